using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// An SSVM/CPVM's record is its agent's: listSystemVms' version is the version of the host record the agent
    /// registers, rewritten each time the agent connects. The patch restarts the cloud service, so the agent
    /// reconnects and reports the new agent by itself; patchSystemVm forced=true is never needed for that (and would
    /// copy the host's files over the patch). What can keep it old is the hypervisor host's own agent (#8406).
    /// </summary>
    internal static class SystemVmRecords
    {
        /// <summary>A warning before patching an SSVM/CPVM whose host runs a CloudStack agent older than the bundle; null when not.</summary>
        public static string? HostAgentWarning(SystemVm vm, string? bundleVersion)
        {
            if (vm.Type == SystemVmType.Router) return null;
            var bundle = CloudStackVersion.ParseOrNull(bundleVersion);
            var host = CloudStackVersion.ParseOrNull(vm.HostAgentVersion);
            if (bundle is null || host is null || host.CompareTo(bundle) >= 0) return null;
            return $"{vm.HostName ?? "its host"} runs CloudStack agent {Text.ConsoleText.Sanitize(vm.HostAgentVersion, 40)}, behind the bundle's {Text.ConsoleText.Sanitize(bundleVersion, 40)}: the host's own {HostBundleFiles.HostFolder} files are likely older too, "
                + "and CloudStack copies those into the VM at its next start or patchSystemVm, taking it back (#8406). Upgrade the host's cloudstack-agent and cloudstack-common.";
        }

        public static async Task<LivePatchResult> AfterPatchAsync(SystemVm vm, LivePatchResult result, ICloudStackApi? api, CancellationToken ct)
        {
            if (api is null)
                return RecordsReconciler.Outcome(result, ReconcileOutcome.AwaitingAgent, $"its record was not read (no API connection named '{vm.Server}'); CloudStack rewrites it when the VM's agent reconnects after the cloud service restart");
            IReadOnlyList<IDictionary<string, object?>> found;
            try { found = await api.ListAllAsync("listSystemVms", "systemvm", new Dictionary<string, string> { ["id"] = vm.Id }, ct).ConfigureAwait(false); }
            catch (Exception e) when (!(e is OutOfMemoryException) && !(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                return RecordsReconciler.Outcome(result, ReconcileOutcome.Failed, $"could not read its record: {e.Message}");
            }
            string? version = found.FirstOrDefault()?.GetString("version");
            var recorded = CloudStackVersion.ParseOrNull(version);
            var wanted = CloudStackVersion.ParseOrNull(result.ToVersion);
            if (recorded != null && wanted != null && recorded.CompareTo(wanted) == 0)
                return RecordsReconciler.Outcome(result, ReconcileOutcome.Reconciled, $"its agent reconnected and CloudStack records version {recorded}");
            return RecordsReconciler.Outcome(result, ReconcileOutcome.AwaitingAgent,
                $"CloudStack still records version {Text.ConsoleText.Sanitize(version ?? "nothing", 40)}; it rewrites it when the VM's agent reconnects after the cloud service restart "
                + "(check with Get-SystemVm in a minute; if it stays, the agent does not connect: see the VM's /var/log/cloud.log). patchSystemVm is not needed and would copy the host's files over the patch.");
        }
    }
}
