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
    /// recreating anything (restartNetwork/restartVPC livepatch=true, cleanup=false) and waits for the job. Its
    /// host-side patch sees the signature already current and does not copy again.
    /// </summary>
    public static class RouterRuleReapplier
    {
        /// <summary>The network or VPC a router belongs to; null when CloudStack did not say.</summary>
        public static string? NetworkKey(SystemVm router) =>
            router.Type != SystemVmType.Router ? null
            : router.VpcId != null ? router.Server + "/vpc/" + router.VpcId
            : router.NetworkId != null ? router.Server + "/net/" + router.NetworkId : null;

        public static async Task<string> ReapplyAsync(SystemVm router, ICloudStackApi api, CancellationToken cancellationToken)
        {
            if (api == null) throw new ArgumentNullException(nameof(api));
            bool vpc = router.VpcId != null;
            string id = router.VpcId ?? router.NetworkId ?? throw new InvalidOperationException($"{router.Name}: no network or VPC id to restart.");
            var parameters = new Dictionary<string, string>
            {
                ["id"] = id,
                ["cleanup"] = "false",
                ["livepatch"] = "true",
            };
            var job = await api.RunAsyncJobAsync(vpc ? "restartVPC" : "restartNetwork", parameters, cancellationToken).ConfigureAwait(false);
            return $"{(vpc ? "restartVPC" : "restartNetwork")} {(vpc ? router.VpcName : router.NetworkName) ?? id} livepatch=true cleanup=false: job {job.JobId} done";
        }
    }
}
