using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.LivePatch
{
    public enum LivePatchAction
    {
        Patch,
        /// <summary>CloudStack's record already shows the bundle's signature (and -Force is off).</summary>
        AlreadyCurrent,
        /// <summary>Never attempted; <see cref="LivePatchPlanEntry.Reason"/> says why (Recreate, ...).</summary>
        Skip,
    }

    /// <summary>The decision for one VM, made from what CloudStack reports, with no remote call.</summary>
    public sealed record LivePatchPlanEntry(SystemVm Vm, LivePatchAction Action, string? Reason, string? FromVersion, int Batch);

    /// <summary>A rollout decided in advance: what -WhatIf prints and what the run executes.</summary>
    public sealed record LivePatchPlan(IReadOnlyList<LivePatchPlanEntry> Entries, IReadOnlyList<RolloutItem<SystemVm>> RolloutItems, int BatchCount, string Summary);
}
