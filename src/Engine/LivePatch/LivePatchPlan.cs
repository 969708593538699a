using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.LivePatch
{
    public enum LivePatchAction
    {
        Patch,
        /// <summary>The best facts known (the probe's, else CloudStack's record) show the bundle's signature, and -Force is off.</summary>
        AlreadyCurrent,
        /// <summary>Never attempted; <see cref="LivePatchPlanEntry.Why"/> says why (Recreate, Downgrade, NotRunning).</summary>
        Skip,
    }

    /// <summary>
    /// The decision for one VM, made from the facts piped in, with no remote call. <c>Reason</c> is the sentence
    /// (for a skip it starts with its code, <see cref="Why"/>); <c>Batch</c> is 0 for a VM not patched.
    /// </summary>
    public sealed record LivePatchPlanEntry(SystemVm Vm, LivePatchAction Action, string? Reason, string? FromVersion, int Batch)
    {
        /// <summary>Why a VM is skipped, as a code.</summary>
        public PatchStep? Why { get; init; }

        /// <summary>For a saved plan's VM skipped as <see cref="PatchStep.Drifted"/>: what changed since the plan.</summary>
        public Plans.PlanDrift Drift { get; init; }

        /// <summary>What -WhatIf and -Confirm say will happen to this VM.</summary>
        public string Describe(PatchBundle bundle) =>
            $"live-patch from {FromVersion ?? "unknown version"} (scripts {Short(Vm.BestSignature)}) to {bundle.Describe()}{Extras(bundle)} in batch {Batch}";

        // Only SSVMs and CPVMs get the bundle's CA certificates and JRE (Payload): the prompt says so for them alone.
        private string Extras(PatchBundle bundle) =>
            bundle.Extras.Any && Vm.Type != SystemVmType.Router ? "; " + bundle.Extras.Describe() : "";

        private static string Short(string? signature) => string.IsNullOrEmpty(signature) ? "unknown" : signature!.Substring(0, System.Math.Min(8, signature.Length));
    }

    /// <summary>
    /// A rollout decided once, in advance: what -WhatIf prints, what -Confirm asks (VM by VM, naming its batch), what
    /// runs (the approved VMs, in the batches the prompts named) and what the history records are all renderings of it.
    /// </summary>
    public sealed record LivePatchPlan(IReadOnlyList<LivePatchPlanEntry> Entries, IReadOnlyList<RolloutItem<SystemVm>> RolloutItems, int BatchCount, string Summary)
    {
        /// <summary>The options the plan was made with; its run id is fixed here.</summary>
        public LivePatchOptions Options { get; init; } = null!;

        /// <summary>The batches, numbered from 1 in order.</summary>
        public IReadOnlyList<IReadOnlyList<RolloutItem<SystemVm>>> Batches { get; init; } = new List<IReadOnlyList<RolloutItem<SystemVm>>>();

        /// <summary>The VMs the plan would patch: what a run without prompts approves.</summary>
        public IReadOnlyList<SystemVm> ToPatch => Entries.Where(e => e.Action == LivePatchAction.Patch).Select(e => e.Vm).ToList();
    }
}
