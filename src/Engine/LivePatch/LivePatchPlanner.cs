using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Decides per VM (patch, already current, skip with the reason) and the batches, from the facts piped in (a
    /// probe's, else CloudStack's records) alone: it makes no remote call, so -WhatIf can show it and change nothing. The VM itself is checked again
    /// at preflight, and its answer wins.
    /// </summary>
    public static class LivePatchPlanner
    {
        public static LivePatchPlan Plan(IReadOnlyList<SystemVm> vms, PatchBundle bundle, LivePatchOptions options)
        {
            if (vms == null) throw new ArgumentNullException(nameof(vms));
            if (bundle == null) throw new ArgumentNullException(nameof(bundle));
            options ??= new LivePatchOptions { Bundle = bundle };
            options = options.RunId == null ? options with { RunId = RunId.New() } : options;
            var target = CloudStackVersion.ParseOrNull(bundle.Version);
            var entries = new List<LivePatchPlanEntry>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var vm in vms)
            {
                if (!seen.Add(vm.Id.Length > 0 ? vm.Server + "/" + vm.Id : vm.Name)) continue; // the same VM piped twice
                entries.Add(Decide(vm, bundle, target, options.Force));
            }

            var items = entries.Where(e => e.Action == LivePatchAction.Patch).Select(e => VmRolloutItems.Item(e.Vm)).ToList();
            var batches = BatchPlanner.Plan(items, options.Rollout.BatchSize);
            var batchOf = new Dictionary<SystemVm, int>();
            for (int b = 0; b < batches.Count; b++)
                foreach (var item in batches[b]) batchOf[item.Value] = b + 1;

            entries = entries.Select(e => e with { Batch = batchOf.TryGetValue(e.Vm, out int b) ? b : 0 }).ToList();
            return new LivePatchPlan(entries, items, batches.Count, Summarize(entries, batches.Count, options.Rollout.BatchSize, bundle))
            {
                Options = options, Batches = batches,
            };
        }

        // One VM, from the best facts piped in: what the VM showed when probed, else CloudStack's record.
        private static LivePatchPlanEntry Decide(SystemVm vm, PatchBundle bundle, CloudStackVersion? target, bool force)
        {
            var release = CloudStackVersion.ParseOrNull(vm.BestRelease);
            string? from = release?.ToString();
            LivePatchPlanEntry Skip(PatchStep why, string detail) => new LivePatchPlanEntry(vm, LivePatchAction.Skip, $"{why}: {detail}", from, 0) { Why = why };
            var support = LivePatchSupport.For(release);
            if (support.Supported == false) return Skip(PatchStep.Recreate, support.Reason);
            // A downgrade is refused unless forced, as sdcadm's force allows one: the operator asked for it by name.
            if (!force && target != null && release != null && release.CompareTo(target) > 0)
                return Skip(PatchStep.Downgrade, $"the VM's {release} is newer than the bundle's {target} (force allows the downgrade)");
            if (!string.IsNullOrEmpty(vm.State) && !string.Equals(vm.State, "Running", StringComparison.OrdinalIgnoreCase))
                return Skip(PatchStep.NotRunning, $"the VM is {vm.State}");
            if (!force && string.Equals(vm.BestSignature, bundle.Signature, StringComparison.OrdinalIgnoreCase))
                return new LivePatchPlanEntry(vm, LivePatchAction.AlreadyCurrent, "scripts signature already matches the bundle", from, 0);
            return new LivePatchPlanEntry(vm, LivePatchAction.Patch, null, from, 0);
        }

        private static string Summarize(IReadOnlyList<LivePatchPlanEntry> entries, int batchCount, int batchSize, PatchBundle bundle)
        {
            var patch = entries.Where(e => e.Action == LivePatchAction.Patch).ToList();
            string target = bundle.Version != null ? (CloudStackVersion.ParseOrNull(bundle.Version)?.ToString() ?? bundle.Version) + $" (scripts {bundle.Signature.Substring(0, 8)})" : "scripts " + bundle.Signature.Substring(0, 8);
            var parts = new List<string>();
            string head = $"live-patch {Count(patch.Select(e => e.Vm))} in {batchCount} batch{(batchCount == 1 ? "" : "es")} of up to {batchSize} to {target}";
            var fromGroups = patch.GroupBy(e => e.FromVersion ?? "unknown version").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                                  .Select(g => $"{g.Count()} from {g.Key}");
            if (patch.Count > 0) head += ": " + string.Join(", ", fromGroups);
            parts.Add(head);
            int current = entries.Count(e => e.Action == LivePatchAction.AlreadyCurrent);
            if (current > 0) parts.Add($"{current} already current");
            foreach (var reason in entries.Where(e => e.Action == LivePatchAction.Skip).GroupBy(e => e.Why))
            {
                string versions = string.Join(", ", reason.Select(e => e.FromVersion ?? e.Vm.State ?? "?").Distinct());
                string what = reason.Key switch
                {
                    PatchStep.Recreate => "need" + (reason.Count() == 1 ? "s" : "") + " recreate",
                    PatchStep.Downgrade => (reason.Count() == 1 ? "is" : "are") + " newer than the bundle",
                    PatchStep.NotRunning => (reason.Count() == 1 ? "is" : "are") + " not running",
                    _ => "skipped",
                };
                parts.Add($"{reason.Count()} {what} ({versions})");
            }
            foreach (var pair in patch.Where(e => e.Vm.IsRedundant && e.Vm.Type == SystemVmType.Router).GroupBy(e => VmRolloutItems.PairKey(e.Vm)).Where(g => g.Count() > 1))
            {
                var ordered = pair.OrderBy(e => VmRolloutItems.Item(e.Vm).OrderInGroup).ToList();
                parts.Add($"redundant pair {string.Join("/", ordered.Select(e => e.Vm.Name))}: {ordered[0].Vm.RedundantState ?? "first"} {ordered[0].Vm.Name} first");
            }
            return string.Join("; ", parts);
        }

        private static string Count(IEnumerable<SystemVm> vms)
        {
            var list = vms.ToList();
            var types = list.GroupBy(v => v.Type).OrderBy(g => g.Key).ToList();
            string Name(SystemVmType t, int n) => t == SystemVmType.Router ? (n == 1 ? "router" : "routers") : t.ToString() + (n == 1 ? "" : "s");
            if (types.Count == 1) return $"{list.Count} {Name(types[0].Key, list.Count)}";
            return $"{list.Count} system VMs ({string.Join(", ", types.Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} {Name(g.Key, g.Count())}"))})";
        }
    }
}
