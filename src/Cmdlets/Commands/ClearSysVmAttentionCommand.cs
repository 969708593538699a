using System;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Clears the attention mark a live patch leaves on a VM when its rollback could not finish, once the operator has
    /// put the VM right: reads the mark over SSH and shows it, asks (ConfirmImpact High), removes it only if it is still
    /// the one shown, and records the clearing in the history. A VM without a mark is an error, not a silent no-op.
    /// </summary>
    [Cmdlet(VerbsCommon.Clear, "SysVmAttention", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(VmAttention))]
    public sealed class ClearSysVmAttentionCommand : SshCmdlet
    {
        private readonly string _runId = RunId.New();
        private Engine.Ssh.ISshClient? _ssh;
        private Engine.Ssh.SshRouteOptions? _route;
        private HistoryStore? _store;

        /// <summary>VMs from Get-SystemVm, or comparisons from Compare-SysVmVersion (bound by their Vm property).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public SystemVm[] Vm { get; set; } = Array.Empty<SystemVm>();

        /// <summary>The history file; default $env:SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HistoryPath { get; set; }

        /// <summary>Writes the cleared marks (VmAttention objects) to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _ssh = NewSshClient(1);
            _route = RouteOptions();
            _store = new HistoryStore(HistoryPath is null ? null : GetUnresolvedProviderPathFromPSPath(HistoryPath));
        }

        // The engine runs on a worker thread: a history warning reaches PowerShell through the pump.
        private AttentionClearer Clearer(PipelinePump pump) => new AttentionClearer(_ssh!, _route!, new HistoryRecorder(_store, pump.Warning));

        protected override void ProcessRecord()
        {
            foreach (var vm in Vm)
            {
                try
                {
                    var mark = RunEngine((pump, ct) => Clearer(pump).ReadAsync(vm, ct));
                    WriteVerbose($"{vm.Name}: {mark.Description}");
                    if (!ShouldProcess(RolloutCmdlet.Target(vm), $"clear the attention mark ({mark.Description}); live patches will no longer refuse this VM")) continue;
                    var cleared = RunEngine((pump, ct) => Clearer(pump).ClearAsync(mark, _runId, ct));
                    WriteVerbose($"{vm.Name}: attention mark removed; recorded under run {_runId}");
                    if (PassThru.IsPresent) WriteObject(cleared);
                }
                catch (AttentionException e) { WriteEngineError(e, vm); }
                catch (OperationCanceledException) when (CancelToken.IsCancellationRequested) { return; }
            }
        }

        // Also on Ctrl+C or a terminating error, when EndProcessing never runs.
        protected override void ReleaseResources() => _ssh?.Dispose();
    }
}
