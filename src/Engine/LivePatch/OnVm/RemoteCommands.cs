using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using P = SysVmPatch.Engine.LivePatch.OnVm.AgentProtocol;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// The shell text of the few commands a patch sends, each one SSH command, so a patch costs a handful of
    /// connections even without connection sharing: preflight (state, disk, lock, last outcome), upload
    /// (payload + agent, checksums back), start-and-wait (verify, lock, detach the agent, tail its journal).
    /// </summary>
    internal static class RemoteCommands
    {
        public const string Base = "/var/cache/cloud/sysvmpatch";

        public static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

        public static string RunDir(string runId) => Base + "/runs/" + CheckRunId(runId);

        private static string CheckRunId(string runId)
        {
            if (runId.Length == 0 || runId.Any(c => !(char.IsLetterOrDigit(c) || c == '-' || c == '_')))
                throw new ArgumentException("A run id is letters, digits, '-' and '_' only.", nameof(runId));
            return runId;
        }

        /// <summary>
        /// Reads everything preflight needs as key=value lines; changes nothing, and ends without exit (it may run as
        /// the shared connection's opening command, in the shell that then holds the connection). Written with shell builtins (read,
        /// case, test) wherever it can: it runs on every VM of the fleet at once, and on a router's single vCPU
        /// each forked tool costs more than the reading it does. Only df, and du on an SSVM or CPVM, are started.
        /// </summary>
        public static string Preflight() => $@"B={Base}; C=/var/cache/cloud; set -f
[ -f $C/boot_up_done ] && echo boot_done=1 || echo boot_done=0
x=; read -r x 2>/dev/null < /etc/cloudstack-release; echo ""release=$x""
x=; read -r x 2>/dev/null < $C/cloud-scripts-signature; echo ""signature=$x""
line=; type=; read -r line 2>/dev/null < $C/cmdline
for w in $line; do case $w in type=*) type=${{w#type=}}; break;; esac; done
set +f; echo ""type=$type""
svcs=; while read -r x || [ -n ""$x"" ]; do svcs=""$svcs$x ""; done 2>/dev/null < $C/enabled_svcs; echo ""services=$svcs""
set -- $(df -Pk $C 2>/dev/null); echo ""free_kb=${{11:-}}""
case $type in secstorage|consoleproxy) set -- $(du -sk /usr/local/cloud/systemvm 2>/dev/null); echo ""systemvm_kb=${{1:-}}"";; esac
if [ -d $B/lock ]; then
  owner=; p=; while read -r x || [ -n ""$x"" ]; do owner=""$owner$x ""; case $x in pid=*) p=${{x#pid=}};; esac; done 2>/dev/null < $B/lock/owner
  echo ""lock_owner=$owner""
  if [ -n ""$p"" ] && kill -0 ""$p"" 2>/dev/null; then echo lock_alive=1; else echo lock_alive=0; fi
fi
if [ -f $B/attention ]; then echo attention=1; while read -r x || [ -n ""$x"" ]; do echo ""attention_$x""; done 2>/dev/null < $B/attention; fi
for d in $B/runs/*/; do d=${{d%/}}; [ -f ""$d/backup/complete"" ] && [ ! -f ""$d/outcome"" ] && echo ""interrupted_run=${{d##*/}}""; done
last=; read -r last 2>/dev/null < $B/last
if [ -n ""$last"" ]; then
  echo ""last_run=$last""
  if [ -f $B/runs/$last/outcome ]; then o=; while read -r x || [ -n ""$x"" ]; do o=""$o$x;""; done < $B/runs/$last/outcome; echo ""last_outcome=$o""; fi
  if [ -f $B/runs/$last/journal ]; then j=; while read -r x; do j=$x; done < $B/runs/$last/journal; echo ""last_journal=$j""; fi
fi
true
";

        /// <summary>PreChecks: each command in its own bash; stops at the first failure and names it.</summary>
        public static string PreChecks(IReadOnlyList<string> checks)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < checks.Count; i++)
                sb.Append("if ! bash -c ").Append(Quote(checks[i])).Append(" </dev/null >/tmp/.svp-precheck 2>&1; then echo ").Append(P.PreCheckFailed).Append(' ')
                  .Append(i.ToString(CultureInfo.InvariantCulture)).Append("; tail -n 5 /tmp/.svp-precheck; rm -f /tmp/.svp-precheck; exit ")
                  .Append(P.Code(RemoteExit.PreCheckFailed)).Append("; fi\n");
            sb.Append("rm -f /tmp/.svp-precheck; echo ").Append(P.PreChecksOk).Append('\n');
            return sb.ToString();
        }

        /// <summary>Where a broken upload is removed from, best effort.</summary>
        public static string RemoveRun(string runId) => $"rm -rf {RunDir(runId)}";

        /// <summary>
        /// The one command that changes a VM, so a patch costs a single round trip after the preflight: receives
        /// the tar stream into the run's stage directory, verifies every file against the checksums the
        /// controller computed (checksums.md5 is the stream's last member: an upload cut short never has it, and
        /// an unverified file is never used), takes the VM's lock (mkdir: atomic), starts the agent detached and
        /// waits for its outcome. Also clears the stage directories older runs left behind, never one in use.
        /// Exits and markers are <see cref="RemoteExit"/> and <see cref="AgentProtocol"/>'s; the Uploaded, Verified
        /// and Started lines mark the progress as it happens.
        /// </summary>
        public static string UploadStartAndWait(string runId) => $@"B={Base}; RUN={CheckRunId(runId)}; D={RunDir(runId)}; S=$D/stage
held=; if [ -f $B/lock/owner ]; then while read -r x; do case $x in run=*) held=${{x#run=}};; esac; done < $B/lock/owner; fi
for old in $B/runs/*/stage; do
  [ -d ""$old"" ] || continue
  r=${{old%/stage}}; r=${{r##*/}}
  [ ""$r"" = $RUN ] || [ ""$r"" = ""$held"" ] || find ""$old"" -maxdepth 0 -mmin +10 -exec rm -rf {{}} + 2>/dev/null || true
done
mkdir -p $S && cd $S || {{ echo '{P.UploadBroken} cannot create the stage directory'; exit {P.Code(RemoteExit.UploadBroken)}; }}
tar -xf - || {{ echo '{P.UploadBroken}'; exit {P.Code(RemoteExit.UploadBroken)}; }}
echo {P.Uploaded}
[ -f checksums.md5 ] || {{ echo '{P.VerifyFailed} checksums.md5 never arrived: the upload ended early'; rm -rf $S; exit {P.Code(RemoteExit.VerifyFailed)}; }}
if ! md5sum -c --quiet checksums.md5 >/dev/null 2>&1; then echo ""{P.VerifyFailed} $(md5sum -c checksums.md5 2>&1 | grep -v ': OK$' | tr '\n' ' ')""; rm -rf $S; exit {P.Code(RemoteExit.VerifyFailed)}; fi
echo {P.Verified}
" + AgentLauncher.TakeLockAndStart() + Wait(runId);

        /// <summary>
        /// Blocks until the agent's outcome exists, streaming new journal lines as "J ..." so the controller can
        /// show each step. <see cref="RemoteExit.AgentGone"/> when the agent is gone without an outcome (killed with the
        /// VM); <see cref="RemoteExit.NotStarted"/> when it never started (no journal, the lock not this run's): what a connection lost at the end of an upload
        /// can leave. Polls every 50 ms without starting a process: the journal is read on an open descriptor,
        /// the agent checked with kill -0, and under bash the pause is a timed read on a private FIFO, not sleep.
        /// </summary>
        public static string Wait(string runId) => $@"D={RunDir(runId)}; B={Base}; RUN={CheckRunId(runId)}; gone=0; n=0; jfd=
# The FIFO lives in the stage directory, which the agent removes when it ends (an open FIFO keeps working).
if [ -n ""${{BASH_VERSION:-}}"" ] && {{ [ -p $D/stage/.tick ] || mkfifo $D/stage/.tick 2>/dev/null; }} && exec 4<>$D/stage/.tick; then
  tick() {{ read -r -t 0.05 -u 4 _; }}
else
  tick() {{ sleep 0.05; }}
fi
journal() {{ if [ -z ""$jfd"" ] && [ -f $D/journal ]; then exec 3< $D/journal; jfd=3; fi; [ -z ""$jfd"" ] || while IFS= read -r x <&3; do echo ""{P.Journal} $x""; done; }}
while :; do
  journal
  if [ -f $D/outcome ]; then
    # The outcome is written before the run's cleanup (crash consistency): wait, up to 15 s, for the agent to end.
    k=0; while [ $k -lt 300 ]; do
      mine=; pid=; while read -r x; do case $x in run=$RUN) mine=1;; pid=*) pid=${{x#pid=}};; esac; done 2>/dev/null < $B/lock/owner
      {{ [ -n ""$mine"" ] && [ -n ""$pid"" ] && kill -0 ""$pid"" 2>/dev/null; }} || break
      k=$((k+1)); tick
    done
    journal; echo {P.OutcomeBegin}; while IFS= read -r x || [ -n ""$x"" ]; do echo ""$x""; done < $D/outcome; echo {P.OutcomeEnd}; exit {P.Code(RemoteExit.Outcome)}; fi
  n=$((n+1))
  if [ $n -ge 6 ]; then
    n=0; mine=; pid=
    while read -r x; do case $x in run=$RUN) mine=1;; pid=*) pid=${{x#pid=}};; esac; done 2>/dev/null < $B/lock/owner
    if [ -z ""$mine"" ] || [ -z ""$pid"" ] || ! kill -0 ""$pid"" 2>/dev/null; then
      gone=$((gone+1))
      if [ $gone -gt 3 ] && [ ! -f $D/outcome ]; then
        if [ -z ""$mine"" ] && [ ! -f $D/journal ]; then echo {P.NotStarted}; exit {P.Code(RemoteExit.NotStarted)}; fi
        echo {P.AgentGone}; exit {P.Code(RemoteExit.AgentGone)}
      fi
    fi
  fi
  tick
done";

        /// <summary>Parses key=value lines (the last value of a key wins).</summary>
        public static Dictionary<string, string> KeyValues(string text)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int eq = line.IndexOf('=');
                if (eq > 0) map[line.Substring(0, eq)] = line.Substring(eq + 1);
            }
            return map;
        }
    }
}
