using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// The parts of a rollout plan an operator reads before saying yes: how many VMs of each kind, in how many
    /// batches, and the order of each redundant pair ("redundant pair r-3-VM/r-4-VM: BACKUP r-4-VM first").
    /// </summary>
    public static class RolloutSummary
    {
        /// <summary>"SSVM 1, CPVM 1, routers 9".</summary>
        public static string CountByType(IEnumerable<SystemVm> vms)
        {
            var counts = vms.GroupBy(v => v.Type).OrderBy(g => g.Key).Select(g => g.Key switch
            {
                SystemVmType.Router => $"router{(g.Count() == 1 ? "" : "s")} {g.Count()}",
                _ => $"{g.Key} {g.Count()}",
            });
            return string.Join(", ", counts);
        }

        /// <summary>One line per redundant pair in the set, saying which goes first.</summary>
        public static IReadOnlyList<string> PairOrder(IEnumerable<SystemVm> vms)
        {
            var items = VmRolloutItems.From(vms).Where(i => i.GroupKey != null).GroupBy(i => i.GroupKey!);
            var lines = new List<string>();
            foreach (var pair in items)
            {
                var ordered = pair.OrderBy(i => i.OrderInGroup).Select(i => i.Value).ToList();
                if (ordered.Count < 2) continue;
                var first = ordered[0];
                lines.Add($"redundant pair {string.Join("/", ordered.Select(v => v.Name))}: {first.RedundantState ?? "first"} {first.Name} first, in separate batches");
            }
            return lines;
        }
    }
}
