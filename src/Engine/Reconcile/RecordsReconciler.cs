using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// After an SSH patch, brings CloudStack's records in line where that is safe, and says plainly where it is not.
    /// The only API that rewrites a router's records, restartNetwork/restartVPC livepatch=true cleanup=false, always
    /// copies the HOST's own vms/ files into every router of the network and restarts their services, all at once: so
    /// it runs once per network, after all of that network's routers in this run are patched, only when every one of
    /// them was patched here and sits on a host that holds the bundle, and for a redundant pair only when asked.
    /// </summary>
    internal sealed class RecordsReconciler
    {
        private readonly LivePatchOptions _options;
        private readonly IHostBundleReader _hosts;
        private readonly Dictionary<string, List<SystemVm>> _networks = new Dictionary<string, List<SystemVm>>();
        private readonly Dictionary<string, int> _remaining = new Dictionary<string, int>();
        private readonly HashSet<string> _patched = new HashSet<string>(), _spoiled = new HashSet<string>();

        public RecordsReconciler(IEnumerable<SystemVm> toRun, LivePatchOptions options, IHostBundleReader hosts)
        {
            _options = options;
            _hosts = hosts;
            foreach (var vm in toRun)
                if (RouterNetwork.Key(vm) is string key)
                {
                    if (!_networks.TryGetValue(key, out var list)) _networks[key] = list = new List<SystemVm>();
                    list.Add(vm);
                    _remaining[key] = list.Count;
                }
        }

        /// <summary>-ReapplyRules is the operator asking for the restart by name, redundant pairs included.</summary>
        private ReconcileMode Mode => _options.Reconcile == ReconcileMode.WhereSafe && _options.ReapplyRouterRules ? ReconcileMode.IncludeRedundant : _options.Reconcile;

        public async Task<LivePatchResult> AfterAsync(SystemVm vm, LivePatchResult result, Action<LivePatchEvent> raise, CancellationToken ct)
        {
            if (vm.Type != SystemVmType.Router)
                return result.Status == LivePatchStatus.Patched ? await SystemVmRecords.AfterPatchAsync(vm, result, Api(vm), ct).ConfigureAwait(false) : result;
            string? key = RouterNetwork.Key(vm);
            // A router already on the bundle whose record says otherwise (patched over SSH before) needs it as much.
            bool changed = result.Status == LivePatchStatus.Patched
                || (result.Status == LivePatchStatus.AlreadyCurrent && !string.Equals(vm.ScriptsSignature, _options.Bundle.Signature, StringComparison.OrdinalIgnoreCase));
            bool due = false, anyChanged = false, spoiled = false;
            lock (_remaining)
            {
                if (key != null)
                {
                    if (changed) _patched.Add(key);
                    else if (result.Status != LivePatchStatus.AlreadyCurrent) _spoiled.Add(key);
                    due = --_remaining[key] == 0;
                    anyChanged = _patched.Contains(key);
                    spoiled = _spoiled.Contains(key);
                }
            }
            if (!changed && !(due && anyChanged)) return result;
            if (Mode == ReconcileMode.Off) return Stale(result, "reconciling was turned off (-Reconcile Off)");
            if (key is null) return Stale(result, "CloudStack names no network or VPC for this router, so nothing can restart it");
            if (_networks[key].Count > 1 && Mode != ReconcileMode.IncludeRedundant) return Stale(result, PairReason(vm));
            if (!due) return Outcome(result, ReconcileOutcome.Deferred, $"the records of {RouterNetwork.Describe(vm)} are brought in line after its last router in this run (see that router's result)");
            return await ReconcileNetworkAsync(vm, key, spoiled, result, raise, ct).ConfigureAwait(false);
        }

        private async Task<LivePatchResult> ReconcileNetworkAsync(SystemVm vm, string key, bool spoiled, LivePatchResult result, Action<LivePatchEvent> raise, CancellationToken ct)
        {
            string network = RouterNetwork.Describe(vm);
            if (spoiled) return Stale(result, $"a router of {network} did not end patched, and restarting it with livepatch would re-patch that one from its host too");
            var api = Api(vm);
            if (api is null) return Stale(result, $"no API connection named '{vm.Server}'");
            var ours = _networks[key];
            IReadOnlyList<IDictionary<string, object?>> all;
            try { all = await api.ListAllAsync("listRouters", "router", NetworkFilter(vm), ct).ConfigureAwait(false); }
            catch (Exception e) when (!(e is OutOfMemoryException) && !(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                return Outcome(result, ReconcileOutcome.Failed, $"could not list the routers of {network}: {e.Message}. " + RecordsTruth.StaleMeaning + " " + RecordsTruth.StaleFix);
            }
            var others = all.Select(r => r.GetString("id") ?? "").Where(id => ours.All(o => !string.Equals(o.Id, id, StringComparison.OrdinalIgnoreCase))).ToList();
            if (others.Count > 0)
                return Stale(result, $"{network} has {others.Count} router(s) this run did not patch, and restartNetwork/restartVPC livepatch re-patches every router of it from its host");
            if (all.Count > 1 && Mode != ReconcileMode.IncludeRedundant)
                return Stale(result, PairReason(vm));
            foreach (var router in ours)
            {
                var files = await _hosts.ReadAsync(router, ct).ConfigureAwait(false);
                if (files.Holds(_options.Bundle.Signature, null, needsAgent: false) != true)
                    return Outcome(result, ReconcileOutcome.RefusedHostFilesDiffer,
                        $"not restarting {network} with livepatch=true: CloudStack would copy {router.Name}'s host's own files over the patch; {files.Describe(_options.Bundle.Signature)}. "
                        + RecordsTruth.StaleMeaning + $" To fix: upgrade cloudstack-common on {files.HostName ?? files.HostAddress ?? "that host"} to the bundle's release "
                        + "(or patch with that host's own files), then run Invoke-LivePatch again: it finds the router current and reconciles it.");
            }
            try
            {
                string done = await RouterRuleReapplier.ReapplyAsync(vm, api, ct).ConfigureAwait(false);
                raise(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm.Name, Message = done });
                result = result with { Steps = result.Steps.Concat(new[] { done }).ToArray() };
                return await VerifyAsync(api, ours, network, result, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException) && !(ex is OperationCanceledException && ct.IsCancellationRequested))
            {
                return Outcome(result, ReconcileOutcome.Failed, $"the VM is patched, but {RouterNetwork.Restart(vm, cleanup: false, livePatch: true).Command} failed: {ex.Message}. " + RecordsTruth.StaleMeaning + " " + RecordsTruth.StaleFix);
            }
        }

        // CloudStack's word afterwards: the recorded signature must be the bundle's, and no health check may say otherwise.
        private async Task<LivePatchResult> VerifyAsync(ICloudStackApi api, IReadOnlyList<SystemVm> routers, string network, LivePatchResult result, CancellationToken ct)
        {
            var wrong = new List<string>();
            foreach (var router in routers)
            {
                var found = await api.ListAllAsync("listRouters", "router", new Dictionary<string, string> { ["id"] = router.Id, ["listall"] = "true", ["fetchhealthcheckresults"] = "true" }, ct).ConfigureAwait(false);
                var record = found.FirstOrDefault();
                string? recorded = record?.GetString("scriptsversion");
                if (!string.Equals(recorded, _options.Bundle.Signature, StringComparison.OrdinalIgnoreCase))
                    wrong.Add($"{router.Name}: CloudStack records scripts {Text.ConsoleText.Sanitize(recorded ?? "nothing", 64)}");
                else if (record != null && RouterHealth.Failed(record) is { Count: > 0 } failed)
                    wrong.Add($"{router.Name}: {string.Join("; ", failed)}");
            }
            return wrong.Count == 0
                ? Outcome(result, ReconcileOutcome.Reconciled, $"CloudStack's records of {network} agree with the bundle {_options.Bundle.Signature}")
                : Outcome(result, ReconcileOutcome.Failed, $"after restarting {network}: " + string.Join("; ", wrong));
        }

        private static string PairReason(SystemVm vm) =>
            $"{RouterNetwork.Describe(vm)} is served by a redundant pair, and restartNetwork/restartVPC livepatch restarts both routers' services at once, in no order "
            + "(what the rolling PRIMARY/BACKUP order avoids); ask for it with -Reconcile IncludeRedundant (or -ReapplyRules)";

        private ICloudStackApi? Api(SystemVm vm) => _options.Apis.TryGetValue(vm.Server, out var api) ? api : null;

        private static IReadOnlyDictionary<string, string> NetworkFilter(SystemVm vm) => !string.IsNullOrEmpty(vm.VpcId)
            ? new Dictionary<string, string> { ["vpcid"] = vm.VpcId!, ["listall"] = "true" }
            : new Dictionary<string, string> { ["networkid"] = vm.NetworkId!, ["listall"] = "true" };

        internal static LivePatchResult Stale(LivePatchResult result, string why) =>
            Outcome(result, ReconcileOutcome.RecordsStale, $"The VM is patched, but {why}. " + RecordsTruth.StaleMeaning + " " + RecordsTruth.StaleFix);

        internal static LivePatchResult Outcome(LivePatchResult result, ReconcileOutcome outcome, string message)
        {
            string line = $"reconcile {outcome}: {message}";
            bool warn = outcome != ReconcileOutcome.Reconciled && outcome != ReconcileOutcome.Deferred && outcome != ReconcileOutcome.NotApplicable;
            return result with
            {
                Reconcile = outcome, ReconcileMessage = message,
                Steps = result.Steps.Concat(new[] { line }).ToArray(),
                Warnings = warn ? result.Warnings.Concat(new[] { line }).ToArray() : result.Warnings,
            };
        }
    }
}
