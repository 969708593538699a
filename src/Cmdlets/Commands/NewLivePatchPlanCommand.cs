using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.Plans;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Makes the live-patch plan Invoke-LivePatch would run for the piped VMs, from the same inputs, without contacting
    /// any VM: to review today and apply tomorrow with Invoke-LivePatch -PlanPath (or -Plan). -Path writes it as JSON.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "LivePatchPlan", SupportsShouldProcess = true)]
    [OutputType(typeof(SavedLivePatchPlan))]
    public sealed class NewLivePatchPlanCommand : SysVmPatchCmdlet
    {
        private readonly List<SystemVm> _vms = new List<SystemVm>();

        /// <summary>VMs from Get-SystemVm, or comparisons from Compare-SysVmVersion (bound by their Vm property).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public SystemVm[] Vm { get; set; } = Array.Empty<SystemVm>();

        /// <summary>A folder with agent.zip and cloud-scripts.tgz; the plan records its full path and both MD5s.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string BundlePath { get; set; } = "";

        /// <summary>Where to write the plan as JSON (replaced whole if it exists).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter] public LivePatchMethod Method { get; set; } = LivePatchMethod.Ssh;
        [Parameter] [ValidateNotNullOrEmpty] public string? TargetVersion { get; set; }
        [Parameter] public string[] PreCheck { get; set; } = Array.Empty<string>();
        [Parameter] public string[] PostCheck { get; set; } = Array.Empty<string>();
        [Parameter] public SwitchParameter ReapplyRules { get; set; }
        [Parameter] [ValidateRange(30, 7200)] public int AgentTimeoutSec { get; set; } = 600;
        [Parameter] public SwitchParameter Force { get; set; }
        [Parameter] [ValidateRange(1, 10000)] public int BatchSize { get; set; } = 10;
        [Parameter] [ValidateRange(1, 10000)] public int ThrottleLimit { get; set; } = 10000;
        [Parameter] [ValidateRange(0, int.MaxValue)] public int MaxFailures { get; set; } = int.MaxValue;
        [Parameter] [ValidateRange(0, 86400)] [Alias("Delay")] public int DelaySec { get; set; }

        protected override void ProcessRecord() => _vms.AddRange(Vm);

        protected override void EndProcessing()
        {
            if (_vms.Count == 0) return;
            string? version = ResolveBundleVersion(TargetVersion, _vms);
            var bundle = LoadBundle(() => PatchBundle.Load(GetUnresolvedProviderPathFromPSPath(BundlePath), version), BundlePath);
            var options = new LivePatchOptions
            {
                Bundle = bundle, Method = Method, Force = Force.IsPresent, PreChecks = PreCheck, PostChecks = PostCheck,
                ReapplyRouterRules = ReapplyRules.IsPresent, AgentTimeout = TimeSpan.FromSeconds(AgentTimeoutSec),
                Rollout = new RolloutOptions
                {
                    BatchSize = BatchSize, ThrottleLimit = ThrottleLimit < BatchSize ? ThrottleLimit : (int?)null,
                    MaxFailures = MaxFailures < int.MaxValue ? MaxFailures : (int?)null, Delay = TimeSpan.FromSeconds(DelaySec),
                },
            };
            var saved = PlanFacts.Save(LivePatchService.Plan(_vms, options), name => (Connections.Find(name) as CloudStackClient)?.Endpoint.AbsoluteUri,
                DateTimeOffset.UtcNow, PatchHistoryRecord.CurrentOperator());
            foreach (var line in saved.Text) WriteVerbose(line);
            // -WhatIf: the plan is still returned (making it changes nothing); only the file is not written.
            if (Path != null && ShouldProcess(GetUnresolvedProviderPathFromPSPath(Path), "write the live-patch plan " + saved.Hash.Substring(0, 12)))
            {
                string file = GetUnresolvedProviderPathFromPSPath(Path);
                try { PlanFile.Write(file, saved); }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    Fail(e, "PlanNotWritten", ErrorCategory.WriteError, file);
                }
            }
            WriteObject(saved);
        }
    }
}
