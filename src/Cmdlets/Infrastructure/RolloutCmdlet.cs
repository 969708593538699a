using System;
using System.Collections.Generic;
using System.Management.Automation;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// What Invoke-LivePatch and Restart-SysVm share: VMs from the pipeline, the pacing of the rolling executor,
    /// the history store, a progress bar fed from the executor's events, and per-VM confirmation.
    /// </summary>
    public abstract class RolloutCmdlet : SshCmdlet
    {
        private readonly List<SystemVm> _vms = new List<SystemVm>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>VMs from Get-SystemVm, or comparisons from Compare-SysVmVersion (bound by their Vm property).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public SystemVm[] Vm { get; set; } = Array.Empty<SystemVm>();

        /// <summary>VMs per batch; a batch finishes before the next starts.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int BatchSize { get; set; } = 10;

        /// <summary>VMs worked on at once within a batch; default the whole batch (10000 is the largest batch).</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int ThrottleLimit { get; set; } = 10000;

        /// <summary>Once more VMs than this have failed, no further batch starts; default no limit.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxFailures { get; set; } = int.MaxValue;

        /// <summary>Seconds to wait between batches (-Delay is the old name, kept as an alias).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        [Alias("Delay")]
        public int DelaySec { get; set; }

        /// <summary>The history file; default $env:SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HistoryPath { get; set; }

        /// <summary>The VMs collected from the pipeline, in input order, each once.</summary>
        protected IReadOnlyList<SystemVm> Vms => _vms;

        /// <summary>The progress bar's activity id: fixed per cmdlet, so nested or parallel bars do not mix.</summary>
        protected abstract int ProgressActivityId { get; }
        protected abstract string ProgressActivity { get; }

        protected override void ProcessRecord()
        {
            // A VM piped twice (two pipelines joined, a pair listed by both routers) is worked on once.
            foreach (var vm in Vm)
                if (_seen.Add(vm.Server + "/" + vm.Id)) _vms.Add(vm);
        }

        internal RolloutOptions Pacing() => new RolloutOptions
        {
            BatchSize = BatchSize,
            ThrottleLimit = ThrottleLimit < BatchSize ? ThrottleLimit : (int?)null,
            MaxFailures = MaxFailures < int.MaxValue ? MaxFailures : (int?)null,
            Delay = TimeSpan.FromSeconds(DelaySec),
        };

        internal HistoryStore History() => new HistoryStore(HistoryPath is null ? null : GetUnresolvedProviderPathFromPSPath(HistoryPath));

        /// <summary>Turns an executor event into a progress record; runs on the pipeline thread.</summary>
        internal void WriteRolloutProgress(RolloutEvent e)
        {
            if (e.Kind == RolloutEventKind.Stopped) WriteWarning($"The rollout stops before batch {e.Batch}: {e.Message}.");
            int percent = e.Total == 0 ? 100 : Math.Min(100, e.Completed * 100 / e.Total);
            string status = $"batch {e.Batch}/{e.BatchCount}, {e.Completed} of {e.Total} done" + (e.ItemName is null ? "" : $", {e.ItemName} {(e.Kind == RolloutEventKind.ItemStarted ? "started" : "done")}");
            WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, status) { PercentComplete = percent });
        }

        internal void CompleteProgress() =>
            WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "done") { RecordType = ProgressRecordType.Completed });

        /// <summary>
        /// Shows the whole plan: under -WhatIf as a "What if:" line before the per-VM ones (no extra prompt under
        /// -Confirm), otherwise as verbose text.
        /// </summary>
        internal void WritePlan(string summary)
        {
            if (WhatIfRequested()) ShouldProcess(summary, summary, ProgressActivity);
            else WriteVerbose(summary);
        }

        internal bool WhatIfRequested()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);
            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference", false));
        }

        /// <summary>Asks ShouldProcess for each VM (WhatIf prints, Confirm asks); returns the VMs the user let through.</summary>
        internal List<SystemVm> Confirmed(IEnumerable<SystemVm> vms, Func<SystemVm, string> action)
        {
            var yes = new List<SystemVm>();
            foreach (var vm in vms)
                if (ShouldProcess(Target(vm), action(vm))) yes.Add(vm);
            return yes;
        }

        /// <summary>How a VM is named in a ShouldProcess prompt.</summary>
        internal static string Target(SystemVm vm) => $"{vm.Name} ({vm.Type}, {vm.ZoneName}, {vm.Server})";
    }
}
