using System;
using System.Collections.Generic;
using System.IO;
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
    public sealed class InvokeLivePatchCommand : RolloutCmdlet
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

        /// <summary>After a network's routers are patched, restartNetwork/restartVPC livepatch=true cleanup=false re-applies its rules.</summary>
        [Parameter]
        public SwitchParameter ReapplyRules { get; set; }

        /// <summary>Seconds the on-VM agent may take per VM.</summary>
        [Parameter]
        [ValidateRange(30, 7200)]
        public int AgentTimeoutSec { get; set; } = 600;

        /// <summary>Patch even VMs already at the bundle's signature, and ask no confirmation.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override int ProgressActivityId => 0x5359_564C; // "SYVL"
        protected override string ProgressActivity => "Invoke-LivePatch";

        protected override void EndProcessing()
        {
            if (Vms.Count == 0) return;
            string? tempBundle = null;
            try
            {
                var bundle = LoadBundle(ref tempBundle);
                if (bundle is null) return;
                var connections = ConnectionRegistry.Shared.All;
                var options = new LivePatchOptions
                {
                    Bundle = bundle, Method = Method, Rollout = Pacing(), Ssh = RouteOptions(), Force = Force.IsPresent,
                    PreChecks = PreCheck, PostChecks = PostCheck, ReapplyRouterRules = ReapplyRules.IsPresent,
                    AgentTimeout = TimeSpan.FromSeconds(AgentTimeoutSec),
                    Apis = connections.ToDictionary(c => c.Name, c => c, StringComparer.OrdinalIgnoreCase),
                    RunId = LivePatchService.NewRunId(),
                };
                if (Method == LivePatchMethod.Api && (PreCheck.Length > 0 || PostCheck.Length > 0 || ReapplyRules.IsPresent))
                    WriteWarning("-Method Api: CloudStack runs its own patch, so -PreCheck, -PostCheck and -ReapplyRules do not apply (restartNetwork/restartVPC re-apply router rules anyway).");
                var plan = LivePatchService.Plan(Vms, options);
                WritePlan(plan.Summary);
                var chosen = ChooseVms(plan, bundle);
                if (chosen.Count == 0) return;
                Run(chosen, options, connections);
            }
            finally
            {
                if (tempBundle != null) try { Directory.Delete(tempBundle, recursive: true); } catch (IOException) { }
            }
        }

        private PatchBundle? LoadBundle(ref string? tempFolder)
        {
            string? version;
            try
            {
                version = BundleVersion.Resolve(TargetVersion, Vms.Select(v => v.Server).Distinct(StringComparer.OrdinalIgnoreCase)
                    .Select(name => (name, (ServerResolver.ByName(name) as CloudStackClient)?.ManagementVersion)));
            }
            catch (ArgumentException e)
            {
                Fail(e, "AmbiguousTargetVersion", ErrorCategory.InvalidArgument, TargetVersion);
                return null;
            }
            try
            {
                if (ParameterSetName == BundleSet) return PatchBundle.Load(GetUnresolvedProviderPathFromPSPath(BundlePath), version);
                string folder = tempFolder = Path.Combine(Path.GetTempPath(), "sysvmpatch-bundle-" + Guid.NewGuid().ToString("N"));
                var ssh = RouteOptions();
                var hop = SshRouteBuilder.ParseHop(FromManagementServer, "root", 22) with { IdentityFile = ssh.JumpIdentityFile ?? ssh.IdentityFile };
                var route = new SshRoute(hop) { KnownHostsFile = ssh.KnownHostsFile, ConnectTimeout = ssh.ConnectTimeout, ExtraOptions = ssh.ExtraOptions };
                RunEngine(async (pump, ct) =>
                {
                    pump.Verbose($"fetching agent.zip and cloud-scripts.tgz from {hop}");
                    using var client = NewSshClient();
                    return await BundleFetcher.FetchAsync(client, route, folder, ct).ConfigureAwait(false);
                });
                return PatchBundle.Load(folder, version);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException || e is SshException || e is SshRouteException || e is ArgumentException)
            {
                Fail(e, "BundleUnavailable", e is FileNotFoundException || e is DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError,
                    ParameterSetName == BundleSet ? BundlePath : FromManagementServer);
                return null;
            }
        }

        /// <summary>Every VM the plan skips is reported; each VM to patch is confirmed (-Force: no prompt; -WhatIf: printed only).</summary>
        private List<Engine.Inventory.SystemVm> ChooseVms(LivePatchPlan plan, PatchBundle bundle)
        {
            var chosen = new List<Engine.Inventory.SystemVm>();
            bool ask = !Force.IsPresent || WhatIfRequested();
            foreach (var entry in plan.Entries)
            {
                if (entry.Action != LivePatchAction.Patch) { chosen.Add(entry.Vm); continue; }
                var vm = entry.Vm;
                string action = $"live-patch from {entry.FromVersion ?? "unknown version"} (scripts {Short(vm.ScriptsSignature)}) to {bundle.Describe()} in batch {entry.Batch}";
                if (!ask || ShouldProcess($"{vm.Name} ({vm.Type}, {vm.ZoneName}, {vm.Server})", action)) chosen.Add(vm);
            }
            // Under -WhatIf nothing runs at all: not even the already-current VMs are contacted.
            return WhatIfRequested() ? new List<Engine.Inventory.SystemVm>() : chosen;
        }

        private void Run(List<Engine.Inventory.SystemVm> vms, LivePatchOptions options, IReadOnlyList<ICloudStackApi> connections)
        {
            var results = RunEngine((pump, ct) => ServerResolver.WithVerbose(connections, pump, () =>
            {
                var history = new HistoryRecorder(History(), pump.Warning);
                return new LivePatchService(o => Transport == SshTransport.OpenSsh ? new OpenSshClient(o.ShareConnections) : NewSshClient()).RunAsync(vms, options, e =>
                {
                    if (e.Kind == LivePatchEventKind.Result && e.Result != null) history.Record(e.Result.ToHistory());
                    pump.Post(_ => Write(e));
                }, ct);
            }));
            CompleteProgress();
            var bad = results.Where(r => r.IsFailure).ToList();
            if (bad.Count > 0)
                WriteWarning($"{bad.Count} of {results.Count} VMs not patched ({string.Join(", ", bad.GroupBy(r => r.Status).Select(g => $"{g.Count()} {g.Key}"))}); see Get-PatchHistory -RunId {options.RunId}");
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
                    if (r.IsFailure)
                        WriteEngineError(new InvalidOperationException($"{r.VmName}: {r.Status} at {r.FailedStep}: {r.Error}"),
                            r.Status == LivePatchStatus.RolledBack ? "PatchRolledBack" : r.Status == LivePatchStatus.RollbackFailed ? "RollbackFailed" : "PatchFailed",
                            r.Status == LivePatchStatus.RollbackFailed ? ErrorCategory.InvalidResult : ErrorCategory.OperationStopped, r);
                    WriteObject(r);
                    break;
            }
        }

        private static string Short(string? signature) => string.IsNullOrEmpty(signature) ? "unknown" : signature!.Substring(0, Math.Min(8, signature.Length));
    }
}
