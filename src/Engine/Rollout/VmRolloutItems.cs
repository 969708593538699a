using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// Turns VMs into rollout items: the two routers of a redundant pair share a group (so they never run in
    /// one batch) and the BACKUP goes first, the PRIMARY (MASTER on older releases) after it.
    /// </summary>
    public static class VmRolloutItems
    {
        public static IReadOnlyList<RolloutItem<SystemVm>> From(IEnumerable<SystemVm> vms) => vms.Select(Item).ToList();

        public static RolloutItem<SystemVm> Item(SystemVm vm) =>
            new RolloutItem<SystemVm>(vm, vm.Name) { GroupKey = PairKey(vm), OrderInGroup = PairOrder(vm) };

        /// <summary>
        /// The redundant pair a router belongs to (its VPC or network on its server), or null. Where CloudStack gave
        /// no network id the names stand in, so a pair is never split into two "unpaired" routers.
        /// </summary>
        public static string? PairKey(SystemVm vm)
        {
            if (vm.Type != SystemVmType.Router || !vm.IsRedundant) return null;
            return RouterNetwork.Key(vm) ?? vm.Server + "/" + (vm.VpcName ?? vm.NetworkName ?? vm.Name);
        }

        // Changing the BACKUP first keeps the PRIMARY serving; a PRIMARY (or MASTER) goes last.
        private static int PairOrder(SystemVm vm)
        {
            string state = vm.RedundantState ?? "";
            if (state.Equals("BACKUP", StringComparison.OrdinalIgnoreCase)) return 0;
            if (state.Equals("PRIMARY", StringComparison.OrdinalIgnoreCase) || state.Equals("MASTER", StringComparison.OrdinalIgnoreCase)) return 2;
            return 1;
        }
    }
}
