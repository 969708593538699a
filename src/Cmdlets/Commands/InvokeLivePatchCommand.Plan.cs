using System;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.Plans;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>Invoke-LivePatch -PlanPath / -Plan: applies a plan made by New-LivePatchPlan, exactly, after one confirmation.</summary>
    public sealed partial class InvokeLivePatchCommand
    {
        private const string PlanPathSet = "PlanPath";
        private const string PlanSet = "Plan";

        // Whatever the plan fixed comes from the plan alone: given again, it would make a run nobody reviewed.
        private static readonly string[] PlanOwned = { "BatchSize", "ThrottleLimit", "MaxFailures", "DelaySec", "Method", "TargetVersion", "PreCheck", "PostCheck", "ReapplyRules", "AgentTimeoutSec", "Force" };

        /// <summary>
        /// The base's -Vm, mandatory where the VMs are planned here and optional with a saved plan (which names its own
        /// VMs, so piping any is refused): PowerShell binds this declaration, which hides the base's.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = BundleSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ManagementServerSet)]
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PlanPathSet)]
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PlanSet)]
        public new Engine.Inventory.SystemVm[] Vm { get => base.Vm; set => base.Vm = value; }

        /// <summary>A plan file written by New-LivePatchPlan -Path.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlanPathSet)]
        [ValidateNotNullOrEmpty]
        public string PlanPath { get; set; } = "";

        /// <summary>A plan object returned by New-LivePatchPlan.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PlanSet)]
        [ValidateNotNull]
        public SavedLivePatchPlan? Plan { get; set; }

        /// <summary>
        /// Applies the saved plan when one was given (true): read, checked against CloudStack and the bundle (refused whole
        /// on any mismatch), confirmed once for the whole plan, then run. False: no plan, the piped VMs are planned here.
        /// </summary>
        private bool ApplySavedPlan()
        {
            if (ParameterSetName != PlanPathSet && ParameterSetName != PlanSet) return false;
            string? given = PlanOwned.FirstOrDefault(MyInvocation.BoundParameters.ContainsKey);
            if (Vms.Count > 0 || given != null)
                Fail(PlanException.OptionConflict(given != null
                    ? $"-{given} is fixed by the plan; to change it, make a new plan with New-LivePatchPlan."
                    : "A plan names its own VMs; VMs piped in as well would make a run nobody reviewed."), null);
            string path = ParameterSetName == PlanPathSet ? GetUnresolvedProviderPathFromPSPath(PlanPath) : "";
            try
            {
                // A plan object goes through the file's own checks too, and its hash is computed again, not taken from it.
                string source = Plan != null ? "The plan given with -Plan" : $"The plan file '{path}'";
                var saved = Plan != null ? PlanReader.Parse(PlanJson.Write(Plan), source) : PlanFile.Read(path);
                var connections = Connections.All;
                var machine = new LivePatchOptions { Bundle = null!, Ssh = RouteOptions(), Apis = connections.ToDictionary(c => c.Name, c => c, StringComparer.OrdinalIgnoreCase) };
                var plan = RunEngine((pump, ct) => PlanApplier.PrepareAsync(saved, connections, machine, source, ct));
                string text = LivePatchPlanText.Render(plan);
                // One question for the whole plan: it was reviewed as a whole. -WhatIf prints exactly the plan's text.
                if (ShouldProcess(text, $"Apply plan {saved.Hash.Substring(0, 12)} ({plan.ToPatch.Count} VMs to patch)?{Environment.NewLine}{text}", ProgressActivity))
                    Run(plan, plan.ToPatch, connections);
            }
            catch (EngineException e) { Fail(e, Plan != null ? (object)Plan : path); }
            return true;
        }
    }
}
