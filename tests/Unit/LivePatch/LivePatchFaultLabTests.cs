using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit.Abstractions;
using static SysVmPatch.Tests.LivePatch.LabPatching;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>The fault matrix, each fault its own test, against the namespace lab, on each SSH transport.</summary>
    [Collection(LabCollection.Name)]
    public sealed class LivePatchFaultLabTests : LivePatchFaultMatrix
    {
        public LivePatchFaultLabTests(ITestOutputHelper output) : base(output, SysVmPatch.Engine.Ssh.SshTransport.OpenSsh) { }
    }

    [Collection(LabCollection.Name)]
    public sealed class LivePatchFaultLabTestsOverSshNet : LivePatchFaultMatrix
    {
        public LivePatchFaultLabTestsOverSshNet(ITestOutputHelper output) : base(output, SysVmPatch.Engine.Ssh.SshTransport.SshNet) { }
    }

    public abstract class LivePatchFaultMatrix
    {
        private readonly ITestOutputHelper _output;
        private readonly SysVmPatch.Engine.Ssh.SshTransport _transport;
        protected LivePatchFaultMatrix(ITestOutputHelper output, SysVmPatch.Engine.Ssh.SshTransport transport) { _output = output; _transport = transport; }

        private LivePatchService Service() => _transport == SysVmPatch.Engine.Ssh.SshTransport.OpenSsh
            ? new LivePatchService(o => new SysVmPatch.Engine.Ssh.OpenSshClient(o.ShareConnections))
            : new LivePatchService(o => SysVmPatch.Engine.Ssh.SshTransports.Create(_transport));

        /// <summary>Everything a VM had before: signature, the replaced script, no restarts, no lock, no leftovers.</summary>
        private static void AssertUntouched(Lab lab, string vm, string oldSignature, string oldScript)
        {
            Assert.Equal(oldSignature, Signature(lab, vm));
            Assert.Equal(oldScript, File_(lab, vm, "/opt/cloud/bin/get_template_version.sh"));
            Assert.False(File.Exists(lab.VmPath(vm, "/opt/cloud/bin/new_in_4191.sh")));
            Assert.Equal(0, Restarts(lab, vm));
            Assert.False(LockHeld(lab, vm), vm + " is still locked");
            AssertServicesActive(lab, lab.Topology.Vm(vm));
        }

        [LabFact]
        public async Task A_full_disk_is_refused_at_preflight_with_the_reason_and_nothing_is_uploaded()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab(routerDiskMiB: 8));
            using var bundle = new TestBundle(extraScriptsBytes: 12 * 1024 * 1024);
            string sig = Signature(lab, "r-3-VM"), script = File_(lab, "r-3-VM", "/opt/cloud/bin/get_template_version.sh");

            var results = await RunAsync(Service(), Vms(lab).Where(v => v.Name == "r-3-VM").ToList(), Options(lab, bundle), _output);

            var r = Assert.Single(results);
            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Equal("Preflight", r.FailedStep);
            Assert.Contains("not enough free disk", r.Error);
            Assert.Contains("MiB free", r.Error);
            AssertUntouched(lab, "r-3-VM", sig, script);
            Assert.False(Directory.Exists(lab.VmPath("r-3-VM", "/var/cache/cloud/sysvmpatch/runs")), "something was uploaded");
        }

        [LabFact]
        public async Task A_connection_dropped_mid_upload_leaves_the_vm_untouched()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab(), new LabOptions { DropFaultLinkRate = "4mbit" });
            using var bundle = new TestBundle(extraScriptsBytes: 3 * 1024 * 1024);
            string sig = Signature(lab, "r-3-VM"), script = File_(lab, "r-3-VM", "/opt/cloud/bin/get_template_version.sh");
            await lab.SetDropAfterBytesAsync("r-3-VM", 256 * 1024, times: 1);

            var results = await RunAsync(Service(), Vms(lab).Where(v => v.Name == "r-3-VM").ToList(), Options(lab, bundle), _output);

            var r = Assert.Single(results);
            Assert.Equal(1, lab.DropCount("r-3-VM"));
            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Equal("Upload", r.FailedStep);
            Assert.Contains("nothing on the VM changed", r.Error);
            AssertUntouched(lab, "r-3-VM", sig, script);
            Assert.False(HasStageOrBackup(lab, "r-3-VM"), "the partial upload was left behind");
        }

        [LabFact]
        public async Task A_host_that_is_down_fails_its_vms_and_the_rest_are_patched()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            await lab.SetHostDownAsync("kvm-b", true);

            var results = await RunAsync(Service(), Vms(lab), Options(lab, bundle, batchSize: 2), _output);

            foreach (var r in results)
            {
                if (r.VmName is "r-3-VM" or "r-4-VM")
                {
                    Assert.Equal(LivePatchStatus.Failed, r.Status);
                    Assert.Equal("Connect", r.FailedStep);
                    Assert.Contains("jump host", r.Error);
                }
                else Assert.Equal(LivePatchStatus.Patched, r.Status);
            }
            await lab.SetHostDownAsync("kvm-b", false);
            Assert.NotEqual(bundle.Bundle.Signature, Signature(lab, "r-3-VM"));
            Assert.Equal(0, Restarts(lab, "r-3-VM"));
        }

        [LabFact]
        public async Task More_failures_than_MaxFailures_stop_before_the_next_batch()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            lab.SetServiceFault("s-1-VM", "apache2", "fail-once");
            var olds = lab.Topology.Vms.ToDictionary(v => v.Name, v => (Signature(lab, v.Name), File_(lab, v.Name, "/opt/cloud/bin/get_template_version.sh")));

            var results = await RunAsync(Service(), Vms(lab), Options(lab, bundle, batchSize: 1, maxFailures: 0), _output);

            Assert.Equal(LivePatchStatus.RolledBack, results.Single(r => r.VmName == "s-1-VM").Status);
            foreach (var r in results.Where(r => r.VmName != "s-1-VM"))
            {
                Assert.Equal(LivePatchStatus.Skipped, r.Status);
                Assert.Equal("Stopped", r.FailedStep);
                Assert.Contains("MaxFailures", r.Error);
                AssertUntouched(lab, r.VmName, olds[r.VmName].Item1, olds[r.VmName].Item2);
            }
        }

        [LabFact]
        public async Task A_second_run_on_a_vm_being_patched_is_refused()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            lab.SetServiceFault("r-3-VM", "haproxy", "slow:4");
            var vm = Vms(lab).Where(v => v.Name == "r-3-VM").ToList();

            var first = RunAsync(Service(), vm, Options(lab, bundle), _output);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!LockHeld(lab, "r-3-VM") && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(LockHeld(lab, "r-3-VM"), "the first run never took the lock");
            var second = await RunAsync(Service(), vm, Options(lab, bundle), _output);

            var refused = Assert.Single(second);
            Assert.Equal(LivePatchStatus.Failed, refused.Status);
            Assert.Equal("Lock", refused.FailedStep);
            Assert.Contains("another live patch", refused.Error);
            var done = Assert.Single(await first);
            Assert.Equal(LivePatchStatus.Patched, done.Status);
            Assert.Equal(bundle.Bundle.Signature, Signature(lab, "r-3-VM"));
            Assert.Equal(3, Restarts(lab, "r-3-VM")); // only the first run restarted anything
        }

        [LabFact]
        public async Task Cancellation_mid_batch_starts_nothing_new_and_leaves_no_vm_between_versions()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            lab.SetServiceFault("s-1-VM", "cloud", "slow:2");
            lab.SetServiceFault("v-2-VM", "cloud", "slow:2");
            var olds = lab.Topology.Vms.ToDictionary(v => v.Name, v => Signature(lab, v.Name));
            using var cts = new CancellationTokenSource();

            var results = await RunAsync(Service(), Vms(lab), Options(lab, bundle, batchSize: 2), _output, cts.Token,
                e => { if (e.Kind == LivePatchEventKind.Step && e.Message == "agent started detached") cts.Cancel(); });

            Assert.Equal(4, results.Count);
            Assert.Contains(results, r => r.Status == LivePatchStatus.Patched); // the VM in flight finished
            foreach (var r in results)
            {
                string now = Signature(lab, r.VmName);
                if (r.Status == LivePatchStatus.Patched) Assert.Equal(bundle.Bundle.Signature, now);
                else
                {
                    Assert.Equal(LivePatchStatus.Skipped, r.Status);
                    Assert.Equal("Cancelled", r.FailedStep);
                    Assert.Equal(olds[r.VmName], now);
                    Assert.Equal(0, Restarts(lab, r.VmName));
                }
                Assert.False(LockHeld(lab, r.VmName));
                AssertServicesActive(lab, lab.Topology.Vm(r.VmName));
            }
            Assert.All(results.Where(r => r.VmName is "r-3-VM" or "r-4-VM"), r => Assert.Equal(LivePatchStatus.Skipped, r.Status));
        }

        [LabFact]
        public async Task An_agent_killed_mid_patch_is_recovered_by_the_next_run_from_its_backup()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            lab.SetServiceFault("r-3-VM", "haproxy", "slow:3");
            var vm = Vms(lab).Where(v => v.Name == "r-3-VM").ToList();
            string oldSignature = Signature(lab, "r-3-VM");
            string runA = "runa" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string journal = lab.VmPath("r-3-VM", $"/var/cache/cloud/sysvmpatch/runs/{runA}/journal");

            var first = RunAsync(Service(), vm, Options(lab, bundle) with { RunId = runA }, _output);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !(File.Exists(journal) && File.ReadAllText(journal).Contains(" restart haproxy"))) await Task.Delay(50);
            // Applied, signature written, restart under way: the worst moment for the agent to die.
            Assert.Equal(bundle.Bundle.Signature, Signature(lab, "r-3-VM"));
            // The agent leads its own process group (setsid): kill the group, as a reboot would end all of it.
            var kill = await lab.ExecInVmAsync("r-3-VM", "kill -9 -- -$(sed -n 's/^pid=//p' /var/cache/cloud/sysvmpatch/lock/owner)");
            Assert.True(kill.ExitCode == 0, kill.Output);

            var a = Assert.Single(await first);
            Assert.Equal(LivePatchStatus.Failed, a.Status);
            Assert.Equal("Agent", a.FailedStep);

            lab.SetServiceFault("r-3-VM", "haproxy", null);
            await Task.Delay(3500); // let the stand-in's slow restart the dead agent began finish
            var b = Assert.Single(await RunAsync(Service(), vm, Options(lab, bundle), _output));
            Assert.Equal(LivePatchStatus.Patched, b.Status);
            Assert.Contains(b.Warnings, w => w.Contains(runA) && w.Contains("interrupted"));
            Assert.Equal(oldSignature, b.FromSignature); // restored first, then patched
            Assert.Contains("status=RolledBack", File.ReadAllText(lab.VmPath("r-3-VM", $"/var/cache/cloud/sysvmpatch/runs/{runA}/outcome")));
            Assert.Equal(bundle.Bundle.Signature, Signature(lab, "r-3-VM"));
            AssertServicesActive(lab, lab.Topology.Vm("r-3-VM"));
            Assert.False(HasStageOrBackup(lab, "r-3-VM"));
            Assert.False(LockHeld(lab, "r-3-VM"));
        }

        [LabFact]
        public async Task WhatIf_planning_makes_no_remote_call_and_changes_no_file()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            var before = lab.Topology.Vms.ToDictionary(v => v.Name, v => Signature(lab, v.Name));
            var plan = LivePatchService.Plan(Vms(lab), Options(lab, bundle, batchSize: 2));
            _output.WriteLine(plan.Summary);
            Assert.StartsWith("live-patch 4 system VMs (1 SSVM, 1 CPVM, 2 routers) in 2 batches of up to 2 to 4.19.1", plan.Summary);
            foreach (var vm in lab.Topology.Vms)
            {
                Assert.Equal(before[vm.Name], Signature(lab, vm.Name));
                Assert.Empty(lab.ServiceCalls(vm.Name));
                Assert.False(Directory.Exists(lab.VmPath(vm.Name, "/var/cache/cloud/sysvmpatch")));
            }
        }
    }
}
