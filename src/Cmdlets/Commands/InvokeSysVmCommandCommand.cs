using System;
using System.Collections.Generic;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.Fleet;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Runs one shell command on every piped VM through its hypervisor host, several at once, each within a timeout
    /// and an output limit; one result per VM it ran on, an error record per VM it could not; each in the history.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "SysVmCommand", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VmCommandResult))]
    public sealed class InvokeSysVmCommandCommand : SshCmdlet
    {
        private readonly List<SystemVm> _vms = new List<SystemVm>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>VMs from Get-SystemVm, or anything with a Vm property holding one (Compare-SysVmVersion's results).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public SystemVm[] Vm { get; set; } = Array.Empty<SystemVm>();

        /// <summary>The shell command, run by root's login shell on each VM as if typed there.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Command { get; set; } = "";

        /// <summary>VMs the command runs on at once.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 16;

        /// <summary>Seconds the command may run on each VM; then it is stopped there and reported as VmCommandTimedOut.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 60;

        /// <summary>Bytes of stdout and of stderr kept per VM (1MB by default); the rest is dropped and Truncated set.</summary>
        [Parameter]
        [ValidateRange(1L, 1073741824L)]
        public long MaxOutputBytes { get; set; } = FleetCommandOptions.DefaultMaxOutputBytes;

        /// <summary>The history file; default $env:SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HistoryPath { get; set; }

        private const int ProgressActivityId = 0x5359_5658; // "SYVX"
        private const string ProgressActivity = "Invoke-SysVmCommand";

        protected override void ProcessRecord()
        {
            // A VM piped twice runs the command once.
            foreach (var vm in Vm)
                if (_seen.Add(vm.Server + "/" + vm.Id)) _vms.Add(vm);
        }

        protected override void EndProcessing()
        {
            if (_vms.Count == 0) return;
            FleetCommandOptions options;
            try
            {
                options = new FleetCommandOptions(Command)
                {
                    Timeout = TimeSpan.FromSeconds(TimeoutSec), ThrottleLimit = ThrottleLimit, MaxOutputBytes = MaxOutputBytes,
                };
            }
            catch (ArgumentException e) { Fail(e, "InvalidCommand", ErrorCategory.InvalidArgument, Command); return; }

            string shown = ConsoleText.Escape(Command, 200);
            var chosen = new List<SystemVm>();
            foreach (var vm in _vms)
                if (ShouldProcess(RolloutCmdlet.Target(vm), $"run '{shown}'")) chosen.Add(vm);
            if (chosen.Count == 0) return;

            string runId = RunId.New();
            var route = RouteOptions();
            var store = new HistoryStore(HistoryPath is null ? null : GetUnresolvedProviderPathFromPSPath(HistoryPath));
            using var ssh = NewSshClient(ThrottleLimit);
            int done = 0;
            var summary = RunEngine((pump, ct) =>
            {
                var runner = new FleetCommandRunner(ssh, route, new HistoryRecorder(store, pump.Warning)) { Verbose = pump.Verbose };
                void Progress(string vmName) => pump.Post(c => c.WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, $"{++done} of {chosen.Count} VMs done, {vmName} last")
                {
                    PercentComplete = done * 100 / chosen.Count,
                }));
                return runner.RunAsync(chosen, options, runId,
                    r => { pump.Post(_ => WriteObject(r)); Progress(r.VmName); },
                    f => { pump.Post(_ => WriteEngineError(f, f.Vm)); Progress(f.Vm.Name); },
                    ct);
            });
            WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "done") { RecordType = ProgressRecordType.Completed });
            WriteVerbose($"ran on {summary.Completed} of {summary.Total} VMs, {summary.Failed} failed; Get-PatchHistory -RunId {runId}");
        }
    }
}
