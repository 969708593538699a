using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// After the routers of a network or VPC are patched, asks CloudStack to re-apply their rules without
    /// recreating anything (restartNetwork/restartVPC livepatch=true, cleanup=false) and waits for the job. CloudStack
    /// then re-patches every router of it from its host's own files (forced), so callers check those first
    /// (Reconcile.RecordsReconciler).
    /// </summary>
    public static class RouterRuleReapplier
    {
        public static async Task<string> ReapplyAsync(SystemVm router, ICloudStackApi api, CancellationToken cancellationToken)
        {
            if (api == null) throw new ArgumentNullException(nameof(api));
            var (command, parameters) = RouterNetwork.Restart(router, cleanup: false, livePatch: true);
            var job = await api.RunAsyncJobAsync(command, parameters, cancellationToken).ConfigureAwait(false);
            return $"{command} {RouterNetwork.Describe(router)} livepatch=true cleanup=false: job {job.JobId} done";
        }
    }
}
