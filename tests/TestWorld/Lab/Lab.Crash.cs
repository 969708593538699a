using System;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    public sealed partial class Lab
    {
        /// <summary>
        /// Arms a crash point in a VM: the next time the live-patch agent (a process running agent.sh) calls
        /// <paramref name="tool"/> with arguments containing <paramref name="argsContaining"/>, the agent's whole
        /// process group is killed with SIGKILL, before the tool runs or right after it (<paramref name="after"/>),
        /// as a reset of the VM at that instant would end it. One shot; a wrapper in the VM's /usr/local/bin, which
        /// comes first in the agent's PATH, calls the real tool otherwise.
        /// </summary>
        public async Task ArmAgentCrashAsync(string vmName, string tool, string argsContaining, bool after, CancellationToken cancellationToken = default)
        {
            LabNames.CheckSafe(tool);
            if (argsContaining.IndexOfAny(new[] { '\'', '\n', '|' }) >= 0) throw new ArgumentException("No quotes, '|' or newlines in the argument pattern.", nameof(argsContaining));
            string script = $@"#!/bin/bash
# Lab crash point: kills the live-patch agent's process group at one call of {tool}.
real=/usr/bin/{tool}; [ -x $real ] || real=/bin/{tool}
arm=/var/lib/labshim/crash-{tool}
hit=
if [ -f $arm ]; then
  IFS='|' read -r pattern when < $arm
  parent=$(tr '\0' ' ' < /proc/$PPID/cmdline 2>/dev/null)
  case ""$parent"" in *agent.sh*) case "" $* "" in *""$pattern""*) rm -f $arm && hit=$when;; esac;; esac
fi
if [ ""$hit"" = before ]; then echo ""$(date +%s%3N) crash before {tool} $*"" >> /var/lib/labshim/crashes.log; kill -KILL 0; fi
$real ""$@""; rc=$?
if [ ""$hit"" = after ]; then echo ""$(date +%s%3N) crash after {tool} $*"" >> /var/lib/labshim/crashes.log; kill -KILL 0; fi
exit $rc
";
            string b64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(script));
            var r = await ExecInVmAsync(vmName,
                $"mkdir -p /usr/local/bin && echo {b64} | base64 -d > /usr/local/bin/{tool} && chmod 755 /usr/local/bin/{tool} && " +
                $"printf '%s|%s\\n' '{argsContaining}' {(after ? "after" : "before")} > /var/lib/labshim/crash-{tool}", cancellationToken).ConfigureAwait(false);
            if (r.ExitCode != 0) throw new InvalidOperationException($"could not arm the crash point in {vmName}: {r.Output}");
        }

        /// <summary>Removes every crash point's wrapper from the VM.</summary>
        public async Task DisarmAgentCrashesAsync(string vmName, CancellationToken cancellationToken = default)
        {
            var r = await ExecInVmAsync(vmName, "for f in /var/lib/labshim/crash-*; do [ -e \"$f\" ] || continue; rm -f \"/usr/local/bin/${f##*/crash-}\" \"$f\"; done; " +
                "for t in rm tar cp mv sync systemctl unzip date; do grep -q 'Lab crash point' /usr/local/bin/$t 2>/dev/null && rm -f /usr/local/bin/$t; done; true", cancellationToken).ConfigureAwait(false);
            if (r.ExitCode != 0) throw new InvalidOperationException($"could not disarm crash points in {vmName}: {r.Output}");
        }
    }
}
