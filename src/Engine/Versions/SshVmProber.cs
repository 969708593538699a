using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// Reads what a VM itself says, in one SSH command: its template release, its scripts signature, whether it
    /// finished booting, and the outcome the last live patch left on it.
    /// </summary>
    public sealed class SshVmProber : IVmProber
    {
        // key=value lines; values are single lines, so a hostile file cannot forge the next key.
        internal const string Script =
            "printf 'release=%s\\n' \"$(head -n1 /etc/cloudstack-release 2>/dev/null)\"; " +
            "printf 'signature=%s\\n' \"$(head -n1 /var/cache/cloud/cloud-scripts-signature 2>/dev/null)\"; " +
            "if [ -f /var/cache/cloud/boot_up_done ]; then echo boot=yes; else echo boot=no; fi; " +
            "printf 'outcome=%s\\n' \"$(head -n1 " + OutcomeFile + " 2>/dev/null)\"";

        /// <summary>Where a live patch leaves its one-line outcome on the VM.</summary>
        public const string OutcomeFile = "/var/cache/cloud/sysvmpatch/outcome";

        private readonly ISshClient _client;
        private readonly SshRouteOptions _options;

        public SshVmProber(ISshClient client, SshRouteOptions options)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _options = options ?? throw new ArgumentNullException(nameof(options));
        }

        public async Task<VmProbe> ProbeAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            try
            {
                var result = await _client.RunOnVmAsync(vm, _options, new SshCommand(Script) { Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded) return VmProbe.Failed($"probe command exited {result.ExitCode}: {FirstLine(result.Stderr)}");
                return Parse(result.Stdout);
            }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                return VmProbe.Failed(e.Message);
            }
        }

        internal static VmProbe Parse(string stdout)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var raw in stdout.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                int eq = line.IndexOf('=');
                if (eq > 0 && !values.ContainsKey(line.Substring(0, eq))) values[line.Substring(0, eq)] = line.Substring(eq + 1).Trim();
            }
            string? Get(string key) => values.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
            return new VmProbe(Get("release"), Get("signature"), Get("boot") == "yes") { LastPatchOutcome = Get("outcome") };
        }

        private static string FirstLine(string text)
        {
            string t = text.Trim();
            int nl = t.IndexOf('\n');
            return nl < 0 ? t : t.Substring(0, nl);
        }
    }
}
