using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>
    /// The Services mode of Restart-SysVm: over SSH, restarts each service listed in /var/cache/cloud/enabled_svcs
    /// that is active, and checks it is active again. No reboot; the VM keeps its address and connections.
    /// </summary>
    public sealed class ServiceRestarter
    {
        // One line per service: "<svc> <before> <after>"; services not active before are left alone (as CloudStack does).
        internal const string Script =
            "f=/var/cache/cloud/enabled_svcs; [ -r \"$f\" ] || { echo 'no /var/cache/cloud/enabled_svcs' >&2; exit 3; }; " +
            "bad=0; for s in $(cat \"$f\"); do " +
            "if systemctl is-active --quiet \"$s\"; then systemctl restart \"$s\" >/dev/null 2>&1; " +
            "if systemctl is-active --quiet \"$s\"; then echo \"$s active active\"; else echo \"$s active failed\"; bad=1; fi; " +
            "else echo \"$s inactive skipped\"; fi; done; exit $bad";

        private readonly ISshClient _client;
        private readonly SshRouteOptions _route;
        private readonly Action<string> _log;

        public ServiceRestarter(ISshClient client, SshRouteOptions route, Action<string>? log = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _route = route ?? throw new ArgumentNullException(nameof(route));
            _log = log ?? (_ => { });
        }

        public async Task<RestartResult> RestartAsync(SystemVm vm, string runId, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var steps = new List<string>();
            RestartStatus status;
            string? error = null;
            Errors.EngineOption? remedy = null;
            try
            {
                var result = await _client.RunOnVmAsync(vm, _route, new SshCommand(Script) { Timeout = timeout }, cancellationToken).ConfigureAwait(false);
                foreach (var line in result.Stdout.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
                {
                    steps.Add(line);
                    _log($"{vm.Name}: {line}");
                }
                var failed = steps.Where(s => s.EndsWith(" failed", StringComparison.Ordinal)).Select(s => s.Split(' ')[0]).ToList();
                if (result.Succeeded) status = RestartStatus.Restarted;
                else
                {
                    status = RestartStatus.Failed;
                    error = failed.Count > 0 ? $"not active after restart: {string.Join(", ", failed)}" : $"exit {result.ExitCode}: {result.Stderr.Trim()}";
                }
            }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                status = RestartStatus.Failed;
                error = e.Message;
                remedy = (e as Errors.IHasRemedy)?.Remedy;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                status = RestartStatus.Failed;
                error = "stopped by the user; services may have been restarted";
            }
            if (error != null) steps.Add("failed: " + error);
            return RestartResult.For(vm, RestartMode.Services, runId) with
            {
                Status = status, Error = error, Remedy = remedy, Duration = watch.Elapsed, Steps = steps, FinalState = status == RestartStatus.Restarted ? "services active" : null,
            };
        }
    }
}
