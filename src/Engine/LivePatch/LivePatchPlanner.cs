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
    /// Decides per VM (patch, already current, skip with the reason) and the batches, from CloudStack's records
    /// alone: it makes no remote call, so -WhatIf can show it and change nothing. The VM itself is checked again
    /// at preflight, and its answer wins.
    /// </summary>
    public static class LivePatchPlanner
    {
        public static LivePatchPlan Plan(IReadOnlyList<SystemVm> vms, PatchBundle bundle, LivePatchOptions options)
        {
            if (vms == null) throw new ArgumentNullException(nameof(vms));
            if (bundle == null) throw new ArgumentNullException(nameof(bundle));
            options ??= new LivePatchOptions { Bundle = bundle };
            var target = CloudStackVersion.ParseOrNull(bundle.Version);
            var decisions = new List<(SystemVm Vm, LivePatchAction Action, string? Reason, string? From)>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var vm in vms)
            {
                if (!seen.Add(vm.Id.Length > 0 ? vm.Server + "/" + vm.Id : vm.Name)) continue; // the same VM piped twice
                var release = CloudStackVersion.ParseOrNull(vm.TemplateVersion);
                string? from = release?.ToString();
                var support = LivePatchSupport.For(release);
                string? refusal = support.Supported == false ? "Recreate: " + support.Reason : null;
                if (refusal != null) { decisions.Add((vm, LivePatchAction.Skip, refusal, from)); continue; }
                if (target != null && release != null && release.CompareTo(target) > 0)
                {
                    decisions.Add((vm, LivePatchAction.Skip, $"Downgrade: the VM's {release} is newer than the bundle's {target}", from));
                    continue;
                }
                if (!string.IsNullOrEmpty(vm.State) && !string.Equals(vm.State, "Running", StringComparison.OrdinalIgnoreCase))
                {
                    decisions.Add((vm, LivePatchAction.Skip, $"NotRunning: the VM is {vm.State}", from));
                    continue;
                }
                if (!options.Force && string.Equals(vm.ScriptsSignature, bundle.Signature, StringComparison.OrdinalIgnoreCase))
                {
                    decisions.Add((vm, LivePatchAction.AlreadyCurrent, "scripts signature already matches the bundle", from));
                    continue;
                }
                decisions.Add((vm, LivePatchAction.Patch, null, from));
            }

            var items = decisions.Where(d => d.Action == LivePatchAction.Patch).Select(d => VmRolloutItems.Item(d.Vm)).ToList();
            var batches = BatchPlanner.Plan(items, options.Rollout.BatchSize);
            var batchOf = new Dictionary<SystemVm, int>();
            for (int b = 0; b < batches.Count; b++)
                foreach (var item in batches[b]) batchOf[item.Value] = b + 1;

            var entries = decisions.Select(d => new LivePatchPlanEntry(d.Vm, d.Action, d.Reason, d.From, batchOf.TryGetValue(d.Vm, out int b) ? b : 0)).ToList();
            return new LivePatchPlan(entries, items, batches.Count, Summarize(entries, batches.Count, options.Rollout.BatchSize, bundle));
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
            foreach (var reason in entries.Where(e => e.Action == LivePatchAction.Skip).GroupBy(e => e.Reason!.Split(':')[0]))
            {
                string versions = string.Join(", ", reason.Select(e => e.FromVersion ?? e.Vm.State ?? "?").Distinct());
                string what = reason.Key switch
                {
                    "Recreate" => "need" + (reason.Count() == 1 ? "s" : "") + " recreate",
                    "Downgrade" => (reason.Count() == 1 ? "is" : "are") + " newer than the bundle",
                    "NotRunning" => (reason.Count() == 1 ? "is" : "are") + " not running",
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
