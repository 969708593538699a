using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>What changed on a VM between its plan and the run that applies it: why it is skipped, never patched blind.</summary>
    [Flags]
    public enum PlanDrift
    {
        None = 0,
        /// <summary>It runs on another hypervisor host (migrated).</summary>
        Host = 1,
        /// <summary>Its state changed (stopped, starting, destroyed).</summary>
        State = 2,
        /// <summary>Its scripts signature changed (patched, or rolled back, by someone else meanwhile).</summary>
        Signature = 4,
        /// <summary>A redundant router changed role (a failover): the plan's BACKUP-first order no longer holds.</summary>
        RedundantState = 8,
    }

    /// <summary>A VM's drift: the flags and the sentence that names each change, old value to new.</summary>
    public sealed record VmDrift(PlanDrift Kind, string Reason)
    {
        /// <summary>
        /// Compares CloudStack's record now with the facts the plan rested on. The VM's own signature is compared
        /// at its preflight (<see cref="LivePatchOptions.PlannedSignatures"/>); here only CloudStack's record of it.
        /// </summary>
        public static VmDrift? Between(PlannedVm planned, SystemVm now)
        {
            var kind = PlanDrift.None;
            var what = new List<string>();
            void Check(PlanDrift flag, string label, string? was, string? @is)
            {
                if (string.Equals(was ?? "", @is ?? "", StringComparison.OrdinalIgnoreCase)) return;
                kind |= flag;
                what.Add($"{label} {was ?? "none"} -> {@is ?? "none"}");
            }
            if (!string.IsNullOrEmpty(planned.HostId) || !string.IsNullOrEmpty(now.HostId))
                Check(PlanDrift.Host, "host", Host(planned.HostName, planned.HostId), Host(now.HostName, now.HostId));
            Check(PlanDrift.State, "state", planned.State, now.State);
            Check(PlanDrift.Signature, "CloudStack's scripts signature", planned.RecordedSignature, now.ScriptsSignature);
            if (planned.IsRedundant) Check(PlanDrift.RedundantState, "redundant state", planned.RedundantState, now.RedundantState);
            return kind == PlanDrift.None ? null : new VmDrift(kind, "changed since the plan: " + string.Join(", ", what) + "; make a new plan to patch it");
        }

        // The host compared by id (names can be reused), shown by name.
        private static string? Host(string? name, string? id) => id == null ? name : $"{name ?? "?"} ({id})";
    }
}
