using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>
    /// The guest network or VPC a router serves: what groups a redundant pair, and what restartNetwork/restartVPC
    /// act on (one restart covers every router of that network).
    /// </summary>
    public static class RouterNetwork
    {
        /// <summary>"server/vpc/id" or "server/net/id"; null for SSVM/CPVM and routers CloudStack gave no network for.</summary>
        public static string? Key(SystemVm vm) =>
            vm.Type != SystemVmType.Router ? null
            : !string.IsNullOrEmpty(vm.VpcId) ? vm.Server + "/vpc/" + vm.VpcId
            : !string.IsNullOrEmpty(vm.NetworkId) ? vm.Server + "/net/" + vm.NetworkId : null;

        /// <summary>"VPC prod" or "network net-1", for messages.</summary>
        public static string Describe(SystemVm router) =>
            !string.IsNullOrEmpty(router.VpcId) ? "VPC " + (router.VpcName ?? router.VpcId) : "network " + (router.NetworkName ?? router.NetworkId);

        /// <summary>restartVPC or restartNetwork for the router's network, with CloudStack's cleanup and livepatch flags.</summary>
        public static (string Command, IReadOnlyDictionary<string, string> Parameters) Restart(SystemVm router, bool cleanup, bool livePatch)
        {
            bool vpc = !string.IsNullOrEmpty(router.VpcId);
            string id = vpc ? router.VpcId! : !string.IsNullOrEmpty(router.NetworkId) ? router.NetworkId!
                : throw new InvalidOperationException($"{router.Name} names neither a network nor a VPC, so restartNetwork/restartVPC cannot reach it.");
            var parameters = new Dictionary<string, string>
            {
                ["id"] = id,
                ["cleanup"] = cleanup ? "true" : "false",
                ["livepatch"] = livePatch ? "true" : "false",
            };
            return (vpc ? "restartVPC" : "restartNetwork", parameters);
        }
    }
}
