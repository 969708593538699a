using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The one rendering of a plan: its summary, then one line per VM (to patch, by batch; then the ones settled at
    /// planning, with why). What -WhatIf prints, what -Confirm asks about a saved plan, and the Text of the plan
    /// New-LivePatchPlan returns are all this, so they cannot disagree.
    /// </summary>
    public static class LivePatchPlanText
    {
        public static IReadOnlyList<string> Lines(LivePatchPlan plan)
        {
            var lines = new List<string> { plan.Summary };
            foreach (var e in plan.Entries.Where(e => e.Action == LivePatchAction.Patch).OrderBy(e => e.Batch))
                lines.Add($"  batch {e.Batch}: {Name(e)} {e.Describe(plan.Options.Bundle)}");
            foreach (var e in plan.Entries.Where(e => e.Action != LivePatchAction.Patch))
                lines.Add($"  {(e.Action == LivePatchAction.AlreadyCurrent ? "current" : "skip")}: {Name(e)} {e.Reason ?? e.Action.ToString()}");
            return lines;
        }

        /// <summary>The lines as one text, as the console shows it.</summary>
        public static string Render(LivePatchPlan plan) => string.Join(System.Environment.NewLine, Lines(plan));

        private static string Name(LivePatchPlanEntry e) => $"{e.Vm.Name} ({e.Vm.Type}, {e.Vm.ZoneName}, host {e.Vm.HostName ?? "?"}, {e.Vm.Server}):";
    }
}
