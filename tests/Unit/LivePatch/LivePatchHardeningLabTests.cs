using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit.Abstractions;
using static SysVmPatch.Tests.LivePatch.LabPatching;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// Issue 11's "no VM left in doubt" against the namespace lab: bounded steps, the attention mark, the lock
    /// takeover, post-checks and stdin, and an agent killed at each step.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class LivePatchHardeningLabTests
    {
        private const string Base = "/var/cache/cloud/sysvmpatch";
        private readonly ITestOutputHelper _output;
        public LivePatchHardeningLabTests(ITestOutputHelper output) { _output = output; }

        private static string OneVm(Lab lab, string name, out System.Collections.Generic.List<Engine.Inventory.SystemVm> vms)
        {
            vms = Vms(lab).Where(v => v.Name == name).ToList();
            return name;
        }

        [LabFact]
        public async Task A_hung_service_restart_is_stopped_at_AgentTimeout_and_the_vm_rolled_back_within_its_bound()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            string vm = OneVm(lab, "r-3-VM", out var vms);
            string oldSig = Signature(lab, vm), oldScript = File_(lab, vm, "/opt/cloud/bin/get_template_version.sh");
            lab.SetServiceFault(vm, "haproxy", "hang-restart");
            var timeout = TimeSpan.FromSeconds(20);
            // Generous: AgentTimeout, the rollback's own limit, the controller's margin, and 30 s for connecting on a loaded machine.
            var bound = timeout + AgentLimits.Rollback(timeout) + AgentLimits.Margin + TimeSpan.FromSeconds(30);

            var clock = Stopwatch.StartNew();
            var run = RunAsync(new LivePatchService(), vms, Options(lab, bundle) with { AgentTimeout = timeout }, _output);
            var first = await Task.WhenAny(run, Task.Delay(bound));
            _output.WriteLine($"ended after {clock.Elapsed.TotalSeconds:0.0} s, bound {bound.TotalSeconds:0} s");
            Assert.True(first == run, $"the run did not end within {bound.TotalSeconds:0} s at AgentTimeout {timeout.TotalSeconds:0} s");

            var r = Assert.Single(await run);
            Assert.Equal(LivePatchStatus.RolledBack, r.Status);
            Assert.Equal("restart", r.FailedStep);
            Assert.Contains("haproxy did not finish in time", r.Error);
            Assert.Equal(oldSig, Signature(lab, vm));
            Assert.Equal(oldScript, File_(lab, vm, "/opt/cloud/bin/get_template_version.sh"));
            AssertServicesActive(lab, lab.Topology.Vm(vm));
            Assert.False(LockHeld(lab, vm));
            Assert.False(HasStageOrBackup(lab, vm));
        }

        [LabFact]
        public async Task A_rollback_that_cannot_finish_marks_the_vm_which_later_runs_refuse_and_the_probe_reports_until_cleared()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            string vm = OneVm(lab, "r-3-VM", out var vms);
            lab.SetServiceFault(vm, "haproxy", "hang"); // the rollback's restart hangs too
            string runA = "hanga" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var options = Options(lab, bundle) with { AgentTimeout = TimeSpan.FromSeconds(10) };

            var a = Assert.Single(await RunAsync(new LivePatchService(), vms, options with { RunId = runA }, _output));
            Assert.Equal(LivePatchStatus.RollbackFailed, a.Status);
            Assert.Contains("rollback", a.Error);
            string mark = File_(lab, vm, AttentionMarker.Path);
            Assert.Contains("run=" + runA, mark);
            Assert.True(Directory.Exists(lab.VmPath(vm, $"{Base}/runs/{runA}/backup")), "the backup of a failed rollback must be kept");

            // The probe (Compare-SysVmVersion -Probe) says so, and does not call the VM current.
            using (var ssh = new OpenSshClient())
            {
                var probe = await new SshVmProber(ssh, options.Ssh).ProbeAsync(vms[0], default);
                Assert.Null(probe.Error);
                Assert.NotNull(probe.NeedsAttention);
                Assert.Contains(runA, probe.NeedsAttention);
                var comparison = VersionComparer.Compare(vms[0], new VersionTarget(CloudStackVersion.ParseOrNull("4.19.1.0"), probe.Signature, "test"), probe);
                Assert.Equal(RecommendedAction.None, comparison.RecommendedAction);
                Assert.StartsWith("needs attention", comparison.Reason);
                Assert.Equal(probe.NeedsAttention, comparison.NeedsAttention);
            }

            // CloudStack's record alone (here: the bundle's signature) does not make it AlreadyCurrent.
            var recorded = vms.Select(v => v with { ScriptsSignature = bundle.Bundle.Signature }).ToList();
            Assert.Equal(LivePatchAction.AlreadyCurrent, LivePatchService.Plan(recorded, options).Entries.Single().Action);
            var current = Assert.Single(await RunAsync(new LivePatchService(), recorded, options, _output));
            Assert.Equal(LivePatchStatus.Failed, current.Status);
            Assert.Equal("Attention", current.FailedStep);

            // Later runs, even with -Force, refuse it at preflight and change nothing.
            int restarts = Restarts(lab, vm);
            int runs = Directory.GetDirectories(lab.VmPath(vm, $"{Base}/runs")).Length;
            var b = Assert.Single(await RunAsync(new LivePatchService(), vms, options with { Force = true }, _output));
            Assert.Equal(LivePatchStatus.Failed, b.Status);
            Assert.Equal("Attention", b.FailedStep);
            Assert.Contains(runA, b.Error);
            Assert.Contains(AttentionMarker.Path, b.Error);
            Assert.Equal(restarts, Restarts(lab, vm));
            Assert.Equal(runs, Directory.GetDirectories(lab.VmPath(vm, $"{Base}/runs")).Length);

            // The operator puts the VM right and clears the mark: the next run patches it.
            lab.SetServiceFault(vm, "haproxy", null);
            var fix = await lab.ExecInVmAsync(vm, $"systemctl restart haproxy && rm {AttentionMarker.Path}");
            Assert.True(fix.ExitCode == 0, fix.Output);
            var c = Assert.Single(await RunAsync(new LivePatchService(), vms, options, _output));
            Assert.Equal(LivePatchStatus.Patched, c.Status);
            Assert.Equal(bundle.Bundle.Signature, Signature(lab, vm));
        }

        [LabFact]
        public async Task A_post_check_reading_stdin_does_not_swallow_the_next_and_a_service_already_down_is_a_warning()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            var vms = Vms(lab).Where(v => v.Name is "r-3-VM" or "r-4-VM").ToList();
            string oldSig = Signature(lab, "r-3-VM");
            var stop = await lab.ExecInVmAsync("r-4-VM", "systemctl stop dnsmasq");
            Assert.True(stop.ExitCode == 0, stop.Output);
            // The first check reads its stdin to the end; the second fails on r-3-VM only.
            var options = Options(lab, bundle) with { PostChecks = new[] { "cat > /dev/null", "test \"$(hostname)\" != r-3-VM" } };

            var results = await RunAsync(new LivePatchService(), vms, options, _output);

            var r3 = results.Single(r => r.VmName == "r-3-VM");
            Assert.Equal(LivePatchStatus.RolledBack, r3.Status);
            Assert.Equal("validate", r3.FailedStep);
            Assert.Contains("post-check failed: test", r3.Error);
            Assert.Equal(oldSig, Signature(lab, "r-3-VM"));
            var r4 = results.Single(r => r.VmName == "r-4-VM");
            Assert.Equal(LivePatchStatus.Patched, r4.Status);
            Assert.Contains(r4.Warnings, w => w.Contains("dnsmasq") && w.Contains("not running before the patch"));
            Assert.Equal("inactive", lab.ServiceState("r-4-VM", "dnsmasq")); // left as it was
        }

        [LabFact]
        public async Task Two_or_more_takeovers_of_the_same_stale_lock_let_exactly_one_start()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            string snippet = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(AgentLauncher.TakeLockAndStart()));
            for (int round = 0; round < 3; round++)
            {
                // A stale lock: its agent's pid is dead. Eight controllers find it at once; each "agent" lives 5 s.
                var take = await lab.ExecInVmAsync("r-3-VM", $@"B={Base}; rm -rf $B; mkdir -p $B/lock; printf 'run=dead\nstarted=1\npid=999999\n' > $B/lock/owner
echo {snippet} | base64 -d > /tmp/take.sh
for i in 1 2 3 4 5 6 7 8; do
  (export B RUN=t$i; export D=$B/runs/$RUN; export S=$D/stage; mkdir -p $S; printf 'sleep 5\n' > $S/agent.sh; bash /tmp/take.sh > /tmp/take.$i 2>&1) &
done
wait
echo started=$(grep -l '^STARTED' /tmp/take.* | wc -l); echo stale=$(grep -l '^STALE-LOCK' /tmp/take.* | wc -l); cat $B/lock/owner");
                _output.WriteLine(take.Output);
                Assert.Contains("started=1\n", take.Output);
                Assert.Contains("pid=", take.Output);
            }
        }

        [LabFact]
        public async Task An_agent_killed_at_any_step_leaves_a_complete_backup_or_a_whole_outcome_and_the_next_run_ends_on_one_version()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            var olds = lab.Topology.Vms.ToDictionary(v => v.Name, v => (Sig: Signature(lab, v.Name), Script: File_(lab, v.Name, "/opt/cloud/bin/get_template_version.sh")));
            // One step per VM: the backup half written, the scripts just extracted (an SSVM and a router), the backup
            // just deleted after validation.
            await lab.ArmAgentCrashAsync("s-1-VM", "tar", "-cf", after: true);
            await lab.ArmAgentCrashAsync("v-2-VM", "tar", "-xzf", after: true);
            await lab.ArmAgentCrashAsync("r-3-VM", "tar", "-xzf", after: true);
            await lab.ArmAgentCrashAsync("r-4-VM", "rm", "/backup", after: true);
            string runA = "crash" + Guid.NewGuid().ToString("N").Substring(0, 8);

            var first = await RunAsync(new LivePatchService(), Vms(lab), Options(lab, bundle) with { RunId = runA }, _output);

            foreach (var vm in lab.Topology.Vms)
            {
                // r-4-VM's outcome may reach the controller just before its agent reaches the crash point.
                string log = lab.VmPath(vm.Name, "/var/lib/labshim/crashes.log");
                var until = DateTime.UtcNow.AddSeconds(30);
                while (!File.Exists(log) && DateTime.UtcNow < until) await Task.Delay(50);
                string crashes = File.Exists(log) ? File.ReadAllText(log) : "";
                Assert.Contains("crash after", crashes);
                string dir = lab.VmPath(vm.Name, $"{Base}/runs/{runA}");
                bool wholeOutcome = File.Exists(Path.Combine(dir, "outcome")) && File.ReadAllText(Path.Combine(dir, "outcome")).Contains("\nended=");
                bool completeBackup = File.Exists(Path.Combine(dir, "backup", "complete"));
                bool untouched = Signature(lab, vm.Name) == olds[vm.Name].Sig && File_(lab, vm.Name, "/opt/cloud/bin/get_template_version.sh") == olds[vm.Name].Script;
                _output.WriteLine($"{vm.Name}: outcome {wholeOutcome}, backup {completeBackup}, untouched {untouched}");
                Assert.True(wholeOutcome || completeBackup || untouched, $"{vm.Name}: killed mid-run, it has neither a whole outcome nor a complete backup, and it changed");
            }
            foreach (var vm in lab.Topology.Vms) await lab.DisarmAgentCrashesAsync(vm.Name);

            var second = await RunAsync(new LivePatchService(), Vms(lab), Options(lab, bundle), _output);
            foreach (var r in second)
            {
                Assert.True(r.Status is LivePatchStatus.Patched or LivePatchStatus.AlreadyCurrent, $"{r.VmName}: {r.Status} {r.Error}");
                Assert.Equal(bundle.Bundle.Signature, Signature(lab, r.VmName));
                Assert.Contains(TestBundle.NewScriptMarker, File_(lab, r.VmName, "/opt/cloud/bin/get_template_version.sh"));
                AssertServicesActive(lab, lab.Topology.Vm(r.VmName));
                string outcome = lab.VmPath(r.VmName, $"{Base}/runs/{runA}/outcome");
                if (File.Exists(outcome)) Assert.Contains("\nended=", File.ReadAllText(outcome));
            }
            // The runs killed after their backup was complete were restored first, and say so.
            foreach (var name in new[] { "v-2-VM", "r-3-VM" })
                Assert.Contains("status=RolledBack", File_(lab, name, $"{Base}/runs/{runA}/outcome"));
            Assert.All(lab.Topology.Vms, vm => Assert.False(HasStageOrBackup(lab, vm.Name), vm.Name + " kept a stage or backup"));
            Assert.All(lab.Topology.Vms, vm => Assert.Empty(Directory.GetFiles(lab.VmPath(vm.Name, "/opt/cloud/bin"), "*.svpnew")));
        }

        [LabFact]
        public async Task A_rollback_removes_the_folders_the_bundle_made_and_old_run_folders_are_pruned()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle(withNewFolder: true);
            string vm = OneVm(lab, "r-3-VM", out var vms);
            lab.SetServiceFault(vm, "haproxy", "fail-once");

            var rolled = Assert.Single(await RunAsync(new LivePatchService(), vms, Options(lab, bundle), _output));
            Assert.Equal(LivePatchStatus.RolledBack, rolled.Status);
            Assert.False(Directory.Exists(lab.VmPath(vm, "/opt/cloud/new_in_4191")), "the folder the bundle created is left after the rollback");
            Assert.True(Directory.Exists(lab.VmPath(vm, "/opt/cloud/bin")));

            for (int i = 0; i < 6; i++)
                Assert.Equal(LivePatchStatus.Patched, Assert.Single(await RunAsync(new LivePatchService(), vms, Options(lab, bundle) with { Force = true }, _output)).Status);
            Assert.True(Directory.Exists(lab.VmPath(vm, "/opt/cloud/new_in_4191/deep")));
            var runs = Directory.GetDirectories(lab.VmPath(vm, $"{Base}/runs"));
            _output.WriteLine(string.Join("\n", runs));
            Assert.Equal(5, runs.Length); // 7 runs, the last 5 kept
            string last = File_(lab, vm, $"{Base}/last").Trim();
            Assert.Contains(runs, r => Path.GetFileName(r) == last);
        }
    }
}
