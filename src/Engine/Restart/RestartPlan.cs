using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>One VM of a restart plan: the batch it runs in and what is done to it (the API calls, by name).</summary>
    public sealed record RestartPlanEntry(SystemVm Vm, int Batch, string Action)
    {
        /// <summary>What -WhatIf and -Confirm say will happen to this VM.</summary>
        public string Describe() => $"restart ({Action}) in batch {Batch}";
    }

    /// <summary>
    /// A rolling restart decided once, in advance, with no remote call: what -WhatIf prints, what -Confirm asks (VM by
    /// VM, naming its batch) and what runs (the approved VMs, in the batches the prompts named) are renderings of it.
    /// </summary>
    public sealed record RestartPlan(IReadOnlyList<RestartPlanEntry> Entries, IReadOnlyList<IReadOnlyList<RolloutItem<SystemVm>>> Batches, string Summary)
    {
        /// <summary>The options the plan was made with; its run id is fixed here.</summary>
        public RestartOptions Options { get; init; } = new RestartOptions();

        /// <summary>Every VM of the plan: what a run without prompts approves.</summary>
        public IReadOnlyList<SystemVm> Vms => Entries.Select(e => e.Vm).ToList();

        /// <summary>Plans <paramref name="vms"/> (each once, in input order) into batches, redundant pairs BACKUP first.</summary>
        public static RestartPlan For(IReadOnlyList<SystemVm> vms, RestartOptions options)
        {
            if (vms == null) throw new ArgumentNullException(nameof(vms));
            if (options == null) throw new ArgumentNullException(nameof(options));
            options = options.RunId == null ? options with { RunId = RunId.New() } : options;
            var batches = BatchPlanner.Plan(VmRolloutItems.From(vms), options.Rollout.BatchSize);
            var batchOf = new Dictionary<SystemVm, int>();
            for (int b = 0; b < batches.Count; b++)
                foreach (var item in batches[b]) batchOf[item.Value] = b + 1;
            var entries = vms.Select(vm => new RestartPlanEntry(vm, batchOf[vm], ActionOf(vm, options))).ToList();
            string head = $"restart ({options.Mode}) {vms.Count} VMs "
                + (batches.Count == 1 ? "in 1 batch" : $"in {batches.Count} batches of up to {options.Rollout.BatchSize}")
                + ": " + RolloutSummary.CountByType(vms);
            string summary = string.Join(Environment.NewLine, new[] { head }.Concat(RolloutSummary.PairOrder(vms).Select(l => "  " + l)));
            return new RestartPlan(entries, batches, summary) { Options = options };
        }

        // The CloudStack calls each mode makes, as the operator knows them from cloudstack-sysvmadm.
        private static string ActionOf(SystemVm vm, RestartOptions options)
        {
            bool router = vm.Type == SystemVmType.Router;
            string action = options.Mode switch
            {
                RestartMode.Reboot => router ? "rebootRouter" : "rebootSystemVm",
                RestartMode.StopStart => router ? "stopRouter, startRouter" : "stopSystemVm, startSystemVm",
                RestartMode.Recreate => router ? (vm.VpcId != null ? $"restartVPC {vm.VpcName} cleanup=true" : $"restartNetwork {vm.NetworkName} cleanup=true") : "destroySystemVm; CloudStack recreates it",
                _ => "restart the enabled services over SSH",
            };
            return action + (options.Forced && (options.Mode == RestartMode.Reboot || options.Mode == RestartMode.StopStart) ? ", forced" : "");
        }
    }
}
