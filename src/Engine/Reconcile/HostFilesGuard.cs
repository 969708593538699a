using System;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// Before a step that lets CloudStack re-patch a VM from its hypervisor host's own vms/ files (patchSystemVm,
    /// restartNetwork/restartVPC livepatch=true, and on KVM every start): the step goes ahead only when those files are
    /// what the VM should end on; otherwise it is refused with the reason and the fix, never left to overwrite silently.
    /// </summary>
    public static class HostFilesGuard
    {
        /// <summary>
        /// Why is null when the host holds <paramref name="expectedScriptsMd5"/> (and the agent, where given); else why the
        /// step is refused, and Code: HostFilesDiffer, or HostFilesUnknown when they could not be read (refused too: unchecked
        /// is not safe).
        /// </summary>
        public static async Task<(string? Why, string Code)> RefusalAsync(SystemVm vm, IHostBundleReader hosts, string step, string expectedScriptsMd5, string? expectedAgentZipMd5, string expectedWhat, CancellationToken ct)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            if (hosts is null) throw new ArgumentNullException(nameof(hosts));
            var files = await hosts.ReadAsync(vm, ct).ConfigureAwait(false);
            if (files.FromManagementServer) return (null, ""); // VMware: the management server's files; what the VM ends on is checked afterwards
            if (files.Holds(expectedScriptsMd5, expectedAgentZipMd5, needsAgent: vm.Type != SystemVmType.Router) == true) return (null, "");
            string host = files.HostName ?? files.HostAddress ?? "that host";
            if (files.Error != null)
                return ($"{step} refused for {vm.Name}: CloudStack copies the files of its hypervisor host into it, and what {host} holds could not be read ({files.Error}). "
                    + "Fix: make the host reachable with the same SSH settings (it is the jump host), then run again.", "HostFilesUnknown");
            return ($"{step} refused for {vm.Name}: CloudStack copies the files of its hypervisor host, not {expectedWhat}, into it. {files.Describe(expectedScriptsMd5)}. "
                + $"Fix: upgrade cloudstack-common on {host} to match, or patch with that host's files (copy its {HostBundleFiles.HostFolder} and use it as -BundlePath).", "HostFilesDiffer");
        }

        /// <summary>-Method Api: refuse patchSystemVm / restartNetwork livepatch for a VM whose host does not hold the bundle.</summary>
        public static async Task<LivePatchResult?> RefuseApiPatchAsync(SystemVm vm, IHostBundleReader hosts, PatchBundle bundle, string runId, CancellationToken ct)
        {
            string step = vm.Type == SystemVmType.Router ? "restartNetwork/restartVPC livepatch=true" : "patchSystemVm";
            var (why, code) = await RefusalAsync(vm, hosts, step, bundle.Signature, bundle.AgentZipMd5, "the bundle", ct).ConfigureAwait(false);
            if (why is null) return null;
            return RecordsReconciler.Outcome(LivePatchResult.For(vm, runId, bundle.Version) with
            {
                Status = LivePatchStatus.Skipped, FailedStep = code, Error = why, Steps = new[] { "refused: " + why },
            }, ReconcileOutcome.RefusedHostFilesDiffer, why);
        }
    }
}
