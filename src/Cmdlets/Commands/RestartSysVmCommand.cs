using System;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.Restart;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Restarts system VMs and routers the legacy way (what cloudstack-sysvmadm does) through the signed API,
    /// in rolling batches, redundant pairs BACKUP first, waiting until each is back, recording each in the history.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Restart, "SysVm", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(RestartResult))]
    public sealed class RestartSysVmCommand : RolloutCmdlet
    {
        [Parameter(Position = 0)]
        public RestartMode Mode { get; set; } = RestartMode.Reboot;

        /// <summary>Wait until each VM is Running again (SSVM/CPVM: agent Up) before it counts as done.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to wait for each VM with -Wait (and for the Services mode's SSH command); -Timeout is the old name.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        [Alias("Timeout")]
        public int TimeoutSec { get; set; } = 600;

        /// <summary>Stop and reboot with CloudStack's forced=true.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Reboot or stop-start even a VM whose hypervisor host holds other cloud-scripts than the VM runs (the start puts the host's on it).</summary>
        [Parameter]
        public SwitchParameter AllowHostFiles { get; set; }

        protected override int ProgressActivityId => 0x5359_5652; // "SYVR"
        protected override string ProgressActivity => $"Restart-SysVm ({Mode})";

        protected override void EndProcessing()
        {
            if (Vms.Count == 0) return;
            var options = new RestartOptions { Mode = Mode, Wait = Wait.IsPresent, Forced = Force.IsPresent, Timeout = TimeSpan.FromSeconds(TimeoutSec), Rollout = Pacing() };
            // One plan: -WhatIf prints it, -Confirm asks about its entries (naming each one's batch), the approved part runs.
            var plan = RestartService.Plan(Vms, options);
            WritePlan(plan.Summary);
            var approved = plan.Entries.Where(e => ShouldProcess(Target(e.Vm), e.Describe())).Select(e => e.Vm).ToList();
            if (approved.Count == 0) return;

            bool guardStarts = !AllowHostFiles.IsPresent && (Mode == RestartMode.Reboot || Mode == RestartMode.StopStart);
            using var ssh = Mode == RestartMode.Services || guardStarts ? NewSshClient() : null;
            var connections = Connections.All;
            var results = RunEngine((pump, ct) => ServerResolver.WithVerbose(connections, pump, () =>
            {
                var service = new RestartService(Connections.Find, History(), ssh is null ? null : new ServiceRestarter(ssh, RouteOptions(), pump.Verbose))
                {
                    Verbose = pump.Verbose,
                    Warning = pump.Warning,
                    StartGuard = guardStarts ? new Engine.Reconcile.StartRepatchGuard(new SshVmProber(ssh!, RouteOptions()), new Engine.Reconcile.SshHostBundleReader(ssh!, RouteOptions())) : null,
                };
                return service.RunAsync(plan, approved, e => pump.Post(_ => Write(e)), ct);
            }));
            CompleteProgress();
            int bad = results.Count(r => r.Status != RestartStatus.Restarted);
            if (bad > 0) WriteWarning($"{bad} of {results.Count} VMs were not restarted; see Get-PatchHistory -RunId {plan.Options.RunId}");
        }

        private void Write(RestartEvent e)
        {
            if (e.Rollout != null) WriteRolloutProgress(e.Rollout);
            if (e.Result is not { } r) return;
            if (r.ToError() is { } error) WriteEngineError(error);
            WriteObject(r);
        }
    }
}
