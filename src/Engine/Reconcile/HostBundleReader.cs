using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>Reads what a VM's hypervisor host holds in its cloudstack-common vms/ folder.</summary>
    public interface IHostBundleReader
    {
        Task<HostBundleFiles> ReadAsync(SystemVm vm, CancellationToken cancellationToken);
    }

    /// <summary>
    /// Over SSH to the VM's hypervisor host: the same route, keys and known_hosts as the VM's, ending at the host
    /// (which is the jump host already). One read per host per run, however many of its VMs ask.
    /// </summary>
    public sealed class SshHostBundleReader : IHostBundleReader
    {
        // Prints "<file> <md5>" or "<file> missing" for each file; nothing from the host reaches a shell of ours.
        internal const string Command =
            "for f in cloud-scripts.tgz agent.zip; do p=" + HostBundleFiles.HostFolder + "/$f; if [ -f \"$p\" ]; then echo \"$f $(md5sum < \"$p\" | cut -c1-32)\"; else echo \"$f missing\"; fi; done";
        private static readonly Regex Line = new Regex(@"^(cloud-scripts\.tgz|agent\.zip) ([0-9a-f]{32}|missing)$", RegexOptions.CultureInvariant);

        private readonly ISshClient _client;
        private readonly SshRouteOptions _options;
        private readonly ConcurrentDictionary<string, Lazy<Task<HostBundleFiles>>> _byHost = new ConcurrentDictionary<string, Lazy<Task<HostBundleFiles>>>(StringComparer.OrdinalIgnoreCase);

        public SshHostBundleReader(ISshClient client, SshRouteOptions options)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _options = options ?? throw new ArgumentNullException(nameof(options));
        }

        public Task<HostBundleFiles> ReadAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            SshRoute route;
            try { route = SshRouteBuilder.Build(vm, _options); }
            catch (SshRouteException e) { return Task.FromResult(Unread(vm, e.Message)); }
            if (route.Jumps.Count == 0)
                return Task.FromResult(Unread(vm, "the VM is reached without its hypervisor host (VMware or -Direct): CloudStack patches it from the management server's files, which are not read here") with { FromManagementServer = true });
            var host = route.Jumps[route.Jumps.Count - 1];
            var hostRoute = new SshRoute(host)
            {
                Jumps = route.Jumps.Take(route.Jumps.Count - 1).ToList(), KnownHostsFile = route.KnownHostsFile,
                StrictHostKeyChecking = route.StrictHostKeyChecking, ConnectTimeout = route.ConnectTimeout, ExtraOptions = route.ExtraOptions,
            };
            return _byHost.GetOrAdd(host.ToString(), _ => new Lazy<Task<HostBundleFiles>>(() => ReadHostAsync(vm, hostRoute, cancellationToken))).Value;
        }

        private async Task<HostBundleFiles> ReadHostAsync(SystemVm vm, SshRoute route, CancellationToken cancellationToken)
        {
            var files = new HostBundleFiles { HostName = vm.HostName, HostAddress = route.Target.Host };
            try
            {
                using var session = await _client.OpenAsync("host " + route.Target.Host, route, cancellationToken).ConfigureAwait(false);
                try
                {
                    var result = await session.RunAsync(new SshCommand(Command) { Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false);
                    if (!result.Succeeded) return files with { Error = $"the host's command exited {result.ExitCode}: {Text.ConsoleText.Sanitize(result.Stderr.Trim(), 200)}" };
                    return Parse(files, result.Stdout);
                }
                finally { await session.CloseAsync().ConfigureAwait(false); }
            }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                return files with { Error = Text.ConsoleText.Sanitize(e.Message, 300) };
            }
        }

        internal static HostBundleFiles Parse(HostBundleFiles files, string stdout)
        {
            string? scripts = null, agent = null;
            bool sawScripts = false, sawAgent = false;
            foreach (var raw in stdout.Split('\n'))
            {
                var m = Line.Match(raw.Trim());
                if (!m.Success) continue;
                string? md5 = m.Groups[2].Value == "missing" ? null : m.Groups[2].Value;
                if (m.Groups[1].Value == "agent.zip") { agent = md5; sawAgent = true; }
                else { scripts = md5; sawScripts = true; }
            }
            if (!sawScripts || !sawAgent) return files with { Error = "the host's answer did not name both files: " + Text.ConsoleText.Sanitize(stdout.Trim(), 200) };
            return files with { ScriptsMd5 = scripts, AgentZipMd5 = agent };
        }

        private static HostBundleFiles Unread(SystemVm vm, string why) => new HostBundleFiles { HostName = vm.HostName, HostAddress = vm.HostAddress, Error = why };
    }
}
