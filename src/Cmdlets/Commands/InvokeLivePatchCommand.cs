using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Live-patches system VMs and routers without recreating them: in rolling batches, each VM ends patched and
    /// validated or rolled back to its old software with its services running. -WhatIf shows the plan and changes
    /// nothing anywhere.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "LivePatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = BundleSet)]
    [OutputType(typeof(LivePatchResult))]
    public sealed partial class InvokeLivePatchCommand : RolloutCmdlet
    {
        private const string BundleSet = "Bundle";
        private const string ManagementServerSet = "ManagementServer";

        /// <summary>A folder with agent.zip and cloud-scripts.tgz, as in /usr/share/cloudstack-common/vms/.</summary>
        [Parameter(Mandatory = true, ParameterSetName = BundleSet)]
        [ValidateNotNullOrEmpty]
        public string BundlePath { get; set; } = "";

        /// <summary>Fetch the bundle over SSH from this management server ("host", "user@host", "user@host:port").</summary>
        [Parameter(Mandatory = true, ParameterSetName = ManagementServerSet)]
        [ValidateNotNullOrEmpty]
        public string FromManagementServer { get; set; } = "";

        /// <summary>Ssh: SysVmPatch's own agent with proven rollback (default). Api: CloudStack patches, SysVmPatch verifies.</summary>
        [Parameter]
        public LivePatchMethod Method { get; set; } = LivePatchMethod.Ssh;

        /// <summary>The version the bundle is (for the record); default: the management server's version.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TargetVersion { get; set; }

        /// <summary>Shell commands run on each VM before anything changes; the first that fails stops that VM.</summary>
        [Parameter]
        public string[] PreCheck { get; set; } = Array.Empty<string>();

        /// <summary>Shell commands run on each VM after the services restarted; a failure rolls the VM back.</summary>
        [Parameter]
        public string[] PostCheck { get; set; } = Array.Empty<string>();

        /// <summary>After a network's routers are patched, restartNetwork/restartVPC livepatch=true cleanup=false re-applies its rules (redundant pairs too); refused where the host's files differ from the bundle.</summary>
        [Parameter]
        public SwitchParameter ReapplyRules { get; set; }

        /// <summary>Bring CloudStack's records in line after the patch: WhereSafe (default), Off, or IncludeRedundant.</summary>
        [Parameter]
        public Engine.Reconcile.ReconcileMode Reconcile { get; set; } = Engine.Reconcile.ReconcileMode.WhereSafe;

        /// <summary>Seconds the on-VM agent may take per VM.</summary>
        [Parameter]
        [ValidateRange(30, 7200)]
        public int AgentTimeoutSec { get; set; } = 600;

        /// <summary>Patch even VMs already at the bundle's signature (a no-op re-patch). Confirmation still follows -Confirm/$ConfirmPreference.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override int ProgressActivityId => 0x5359_564C; // "SYVL"
        protected override string ProgressActivity => "Invoke-LivePatch";

        protected override void EndProcessing()
        {
            if (ApplySavedPlan()) return;
            if (Vms.Count == 0) return;
            string? version = ResolveBundleVersion(TargetVersion, Vms);
            string given = ParameterSetName == BundleSet ? BundlePath : FromManagementServer;
            using var fetched = ParameterSetName == BundleSet ? null : LoadBundle(() => RunEngine(async (pump, ct) =>
            {
                using var client = NewSshClient();
                return await FetchedBundleFolder.FetchAsync(client, FromManagementServer, RouteOptions(), pump.Verbose, ct).ConfigureAwait(false);
            }), given);
            var bundle = LoadBundle(() => PatchBundle.Load(fetched?.Path ?? GetUnresolvedProviderPathFromPSPath(BundlePath), version), given);
            var connections = Connections.All;
            var options = new LivePatchOptions
            {
                Bundle = bundle, Method = Method, Rollout = Pacing(), Ssh = RouteOptions(), Force = Force.IsPresent,
                PreChecks = PreCheck, PostChecks = PostCheck, ReapplyRouterRules = ReapplyRules.IsPresent, Reconcile = Reconcile,
                AgentTimeout = TimeSpan.FromSeconds(AgentTimeoutSec),
                Apis = connections.ToDictionary(c => c.Name, c => c, StringComparer.OrdinalIgnoreCase),
            };
            if (Method == LivePatchMethod.Api && (PreCheck.Length > 0 || PostCheck.Length > 0 || ReapplyRules.IsPresent))
                WriteWarning("-Method Api: CloudStack runs its own patch, so -PreCheck, -PostCheck and -ReapplyRules do not apply (restartNetwork/restartVPC re-apply router rules anyway).");
            // One plan: -WhatIf prints it, -Confirm asks about its entries, and the approved part of it runs.
            var plan = LivePatchService.Plan(Vms, options);
            // Under -WhatIf the plan's own text (New-LivePatchPlan's) and nothing runs: not even the already-current VMs are contacted.
            if (WhatIfRequested()) { WritePlan(LivePatchPlanText.Render(plan)); return; }
            WritePlan(plan.Summary);
            var approved = Approve(plan, bundle);
            if (plan.Entries.Count == 0) return;
            Run(plan, approved, connections);
        }

        /// <summary>
        /// Each VM the plan patches goes through ShouldProcess, naming its batch, -Force or not, as PowerShell's convention
        /// has it (-Confirm or $ConfirmPreference asks; -Force only lets a re-patch through). -WhatIf never gets here: it
        /// prints the plan's text instead.
        /// </summary>
        private List<Engine.Inventory.SystemVm> Approve(LivePatchPlan plan, PatchBundle bundle) =>
            plan.Entries.Where(e => e.Action == LivePatchAction.Patch && ShouldProcess(Target(e.Vm), e.Describe(bundle))).Select(e => e.Vm).ToList();

        private void Run(LivePatchPlan plan, IReadOnlyCollection<Engine.Inventory.SystemVm> approved, IReadOnlyList<ICloudStackApi> connections)
        {
            var results = RunEngine((pump, ct) => ServerResolver.WithVerbose(connections, pump, () =>
                new LivePatchService(o => Transport == SshTransport.OpenSsh ? new OpenSshClient(o.ShareConnections) : NewSshClient(), history: new HistoryRecorder(History(), pump.Warning)).RunAsync(plan, approved, e => pump.Post(_ => Write(e)), ct)));
            CompleteProgress();
            var bad = results.Where(r => r.IsFailure).ToList();
            if (bad.Count > 0)
                WriteWarning($"{bad.Count} of {results.Count} VMs not patched ({string.Join(", ", bad.GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"))}); see Get-PatchHistory -RunId {plan.Options.RunId}");
        }

        private void Write(LivePatchEvent e)
        {
            switch (e.Kind)
            {
                case LivePatchEventKind.Progress when e.Rollout != null: WriteRolloutProgress(e.Rollout); break;
                case LivePatchEventKind.Step: WriteVerbose($"{e.VmName}: {e.Message}"); break;
                case LivePatchEventKind.Warning: WriteWarning($"{e.VmName}: {e.Message}"); break;
                case LivePatchEventKind.Result when e.Result != null:
                    var r = e.Result;
                    if (r.ToError() is { } error) WriteEngineError(error);
                    WriteObject(r);
                    break;
            }
        }
    }
}
