using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Reconcile;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.LivePatch;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Reconcile
{
    /// <summary>
    /// #12's "done when": a patch whose host holds the bundle ends with CloudStack agreeing and the VM still on the
    /// bundle; an older host package never overwrites a patched VM and the result says why the records stay stale;
    /// -Probe reports RecordsStale before reconciling and not after; redundant pairs are left alone unless asked.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class ReconcileLabTests : LabWorldTests
    {
        private readonly ITestOutputHelper _out;
        private readonly TestBundle _bundle = new TestBundle();
        private readonly TestBundle _older = new TestBundle(extraScriptsBytes: 64, version: "4.19.0.0");

        public ReconcileLabTests(ITestOutputHelper output) { _out = output; }

        protected override LabSpec Spec => new LabSpec(new[]
        {
            new ZoneSpec("zone1", new[]
            {
                new HostSpec("kvm-a", new[]
                {
                    new VmSpec("r-1-VM", SystemVmType.Router) { NetworkName = "net-a" },
                    new VmSpec("r-4-VM", SystemVmType.Router) { NetworkName = "rvr", RedundantGroup = "rvr", RedundantState = "BACKUP" },
                    new VmSpec("s-5-VM", SystemVmType.SSVM),
                }),
                new HostSpec("kvm-b", new[]
                {
                    new VmSpec("r-2-VM", SystemVmType.Router) { NetworkName = "net-b" },
                    new VmSpec("r-3-VM", SystemVmType.Router) { NetworkName = "rvr", RedundantGroup = "rvr", RedundantState = "PRIMARY" },
                }),
                new HostSpec("kvm-c", new[] { new VmSpec("r-6-VM", SystemVmType.Router) { NetworkName = "net-c" } }),
            }),
        });

        protected override FakeCloudStackOptions ServerOptions(SysVmPatch.TestWorld.NamespaceLab.Lab lab) => new FakeCloudStackOptions
        {
            JobPendingTime = TimeSpan.FromMilliseconds(20),
            ManagementScriptsSignature = _bundle.Bundle.Signature,
            MinimumSystemVmTemplateVersion = "4.19.0", // the lab's 4.18 templates are below it: requiresupgrade depends on the records
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _bundle.Dispose();
            _older.Dispose();
        }

        private async Task<IReadOnlyList<LivePatchResult>> PatchAsync(ReconcileMode mode, LivePatchMethod method, params string[] names)
        {
            var vms = (await World.FleetAsync()).Where(v => names.Contains(v.Name)).ToList();
            var options = LabPatching.Options(World.Lab, _bundle) with
            {
                Reconcile = mode, Method = method, Apis = new Dictionary<string, ICloudStackApi> { [LabWorld.ServerName] = World.Client },
            };
            var results = await LabPatching.RunAsync(new LivePatchService(o => SshTransports.Create(SshTransport.SshNet)), vms, options, _out);
            foreach (var r in results) _out.WriteLine($"  {r.VmName} reconcile {r.Reconcile}: {r.ReconcileMessage}");
            return results;
        }

        private Task<VersionComparison> ProbeAsync(string name) => LabProbe.ProbeAsync(World, _bundle.Folder, name);

        private int RestartsOf(string networkName) =>
            World.Server.CallsOf("restartNetwork").Count(c => c.Parameters.TryGetValue("id", out var id) && id == ResolvedLab.IdFor("network", networkName));

        [LabFact]
        public async Task A_host_holding_the_bundle_ends_with_CloudStack_agreeing_and_the_vm_on_the_bundle()
        {
            World.Lab.SetHostVmsFiles("kvm-a", _bundle.Folder);
            Assert.True((await World.FleetAsync()).Single(v => v.Name == "r-1-VM").RequiresUpgrade);

            var result = (await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Ssh, "r-1-VM")).Single();

            Assert.Equal(LivePatchStatus.Patched, result.Status);
            Assert.Equal(ReconcileOutcome.Reconciled, result.Reconcile);
            Assert.Equal(1, RestartsOf("net-a"));
            Assert.Equal(_bundle.Bundle.Signature, LabPatching.Signature(World.Lab, "r-1-VM"));
            var router = (await World.FleetAsync()).Single(v => v.Name == "r-1-VM");
            Assert.Equal(_bundle.Bundle.Signature, router.ScriptsSignature);
            Assert.False(router.RequiresUpgrade);
            Assert.Equal("ok", router.Health);
            Assert.False((await ProbeAsync("r-1-VM")).RecordsStale);
        }

        [LabFact]
        public async Task An_older_host_package_never_overwrites_the_patch_and_the_result_says_why_the_records_stay_stale()
        {
            World.Lab.SetHostVmsFiles("kvm-b", _older.Folder);
            var result = (await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Ssh, "r-2-VM")).Single();

            Assert.Equal(LivePatchStatus.Patched, result.Status);
            Assert.Equal(ReconcileOutcome.RefusedHostFilesDiffer, result.Reconcile);
            Assert.Contains("upgrade cloudstack-common", result.ReconcileMessage);
            Assert.Contains(_older.Bundle.Signature, result.ReconcileMessage);
            Assert.Contains("router_version_check", result.ReconcileMessage);
            Assert.Contains(result.Steps, s => s.StartsWith("reconcile RefusedHostFilesDiffer", StringComparison.Ordinal)); // what the history records
            Assert.Equal(0, RestartsOf("net-b"));
            Assert.Equal(_bundle.Bundle.Signature, LabPatching.Signature(World.Lab, "r-2-VM"));
            var before = await ProbeAsync("r-2-VM");
            Assert.True(before.RecordsStale);
            Assert.False(before.HostHoldsBundle);

            // The operator fixes the host's package and runs again: the VM is already current, its records are not.
            World.Lab.SetHostVmsFiles("kvm-b", _bundle.Folder);
            var again = (await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Ssh, "r-2-VM")).Single();
            Assert.Equal(LivePatchStatus.AlreadyCurrent, again.Status);
            Assert.Equal(ReconcileOutcome.Reconciled, again.Reconcile);
            Assert.False((await ProbeAsync("r-2-VM")).RecordsStale);
            Assert.Equal(_bundle.Bundle.Signature, LabPatching.Signature(World.Lab, "r-2-VM"));
        }

        [LabFact]
        public async Task A_redundant_pair_is_left_stale_by_default_and_says_why()
        {
            World.Lab.SetHostVmsFiles("kvm-a", _bundle.Folder);
            World.Lab.SetHostVmsFiles("kvm-b", _bundle.Folder);
            var results = await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Ssh, "r-3-VM", "r-4-VM");
            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            Assert.Contains(results, r => r.Reconcile == ReconcileOutcome.RecordsStale && r.ReconcileMessage!.Contains("redundant pair", StringComparison.Ordinal));
            Assert.Equal(0, RestartsOf("rvr"));
        }

        [LabFact]
        public async Task An_ssvm_record_follows_its_agent_and_an_old_host_agent_is_warned_about()
        {
            World.Lab.SetHostVmsFiles("kvm-a", _bundle.Folder);
            World.Server.SetHostAgentVersion("kvm-a", "4.18.0.0");
            var result = (await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Ssh, "s-5-VM")).Single();
            Assert.Equal(LivePatchStatus.Patched, result.Status);
            Assert.Equal(ReconcileOutcome.Reconciled, result.Reconcile);
            Assert.Equal("4.19.1.0", (await World.FleetAsync()).Single(v => v.Name == "s-5-VM").TemplateVersion);
            Assert.Contains(result.Warnings, w => w.Contains("runs CloudStack agent 4.18.0.0", StringComparison.Ordinal) && w.Contains("#8406", StringComparison.Ordinal));
            Assert.Empty(World.Server.CallsOf("patchSystemVm"));
        }

        [LabFact]
        public async Task Method_api_is_refused_where_the_host_would_copy_other_files()
        {
            World.Lab.SetHostVmsFiles("kvm-c", _older.Folder);
            string before = LabPatching.Signature(World.Lab, "r-6-VM");
            var result = (await PatchAsync(ReconcileMode.WhereSafe, LivePatchMethod.Api, "r-6-VM")).Single();
            Assert.Equal(LivePatchStatus.Skipped, result.Status);
            Assert.Equal("HostFilesDiffer", result.FailedStep);
            Assert.Equal(ReconcileOutcome.RefusedHostFilesDiffer, result.Reconcile);
            Assert.Equal(0, RestartsOf("net-c"));
            Assert.Equal(before, LabPatching.Signature(World.Lab, "r-6-VM"));
        }

        [LabFact]
        public async Task Reconcile_off_leaves_the_records_stale_and_says_so()
        {
            World.Lab.SetHostVmsFiles("kvm-c", _bundle.Folder);
            var result = (await PatchAsync(ReconcileMode.Off, LivePatchMethod.Ssh, "r-6-VM")).Single();
            World.Lab.SetHostVmsFiles("kvm-c", _older.Folder);
            Assert.Equal(LivePatchStatus.Patched, result.Status);
            Assert.Equal(ReconcileOutcome.RecordsStale, result.Reconcile);
            Assert.Contains("-Reconcile Off", result.ReconcileMessage);
            Assert.Contains(result.Warnings, w => w.StartsWith("reconcile RecordsStale", StringComparison.Ordinal));
            Assert.Equal(0, RestartsOf("net-c"));
        }

        [LabFact]
        public async Task A_reboot_that_would_bring_back_the_hosts_older_scripts_is_refused_and_without_the_guard_it_does()
        {
            World.Lab.SetHostVmsFiles("kvm-c", _older.Folder);
            string running = LabPatching.Signature(World.Lab, "r-6-VM");
            var vm = (await World.FleetAsync()).Single(v => v.Name == "r-6-VM");
            using var ssh = SshTransports.Create(SshTransport.SshNet);
            var guard = new StartRepatchGuard(new SshVmProber(ssh, World.SshOptions), new SshHostBundleReader(ssh, World.SshOptions));
            var options = new SysVmPatch.Engine.Restart.RestartOptions { Mode = SysVmPatch.Engine.Restart.RestartMode.Reboot, Wait = true };

            var refused = (await new SysVmPatch.Engine.Restart.RestartService(World.ServerByName, null) { StartGuard = guard }
                .RunAsync(new[] { vm }, options with { RunId = "run-guard" }, null, CancellationToken.None)).Single();
            Assert.Equal(SysVmPatch.Engine.Restart.RestartStatus.Skipped, refused.Status);
            Assert.Contains("refused", refused.Error);
            Assert.Contains(_older.Bundle.Signature, refused.Error);
            Assert.Empty(World.Server.CallsOf("rebootRouter"));
            Assert.Equal(running, LabPatching.Signature(World.Lab, "r-6-VM"));

            // What the guard prevents: the test world's start copies the host's files in, as KVM does.
            var rebooted = (await new SysVmPatch.Engine.Restart.RestartService(World.ServerByName, null)
                .RunAsync(new[] { vm }, options with { RunId = "run-noguard" }, null, CancellationToken.None)).Single();
            Assert.Equal(SysVmPatch.Engine.Restart.RestartStatus.Restarted, rebooted.Status);
            Assert.Equal(_older.Bundle.Signature, LabPatching.Signature(World.Lab, "r-6-VM"));
        }
    }
}
