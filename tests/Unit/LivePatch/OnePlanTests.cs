using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.History;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>One plan from input to execution (issue 15.1), and every exception a result for its VM (issue 11.12).</summary>
    public sealed class OnePlanTests
    {
        private static LivePatchOptions Options(TestBundle tb, int batchSize) => new()
        {
            Bundle = tb.Bundle, Rollout = new RolloutOptions { BatchSize = batchSize },
            Ssh = new Engine.Ssh.SshRouteOptions { IdentityFile = "/dev/null", KnownHostsFile = "/dev/null" },
        };

        [Fact]
        public void A_probed_vm_already_on_the_bundle_is_planned_already_current_not_patched()
        {
            using var tb = new TestBundle();
            // CloudStack does not record an SSVM's scripts signature; the probe read the bundle's from the VM.
            var vm = ScriptedSsh.Router("s-1-VM") with { Type = SystemVmType.SSVM, ScriptsSignature = null, TemplateVersion = "4.19.1.0" };
            var probe = new VmProbe("Cloudstack Release 4.19.1.0 Mon Jan 1 2024", tb.Bundle.Signature, BootFinished: true);
            var piped = VersionComparer.Compare(vm, new VersionTarget(CloudStackVersion.Parse("4.19.1"), tb.Bundle.Signature, "test"), probe).Vm;

            var plan = LivePatchPlanner.Plan(new[] { piped }, tb.Bundle, Options(tb, 10));

            var entry = Assert.Single(plan.Entries);
            Assert.Equal(LivePatchAction.AlreadyCurrent, entry.Action);
            Assert.Empty(plan.RolloutItems);
        }

        [Fact]
        public async Task Declined_vms_leave_the_approved_ones_in_the_batches_the_prompts_named()
        {
            using var tb = new TestBundle();
            var vms = new[] { "r-1-VM", "r-2-VM", "r-3-VM" }.Select(ScriptedSsh.Router).ToList();
            var plan = LivePatchService.Plan(vms, Options(tb, 1));
            var prompted = plan.Entries.ToDictionary(e => e.Vm.Name, e => e.Describe(tb.Bundle));
            Assert.EndsWith("in batch 3", prompted["r-3-VM"]);

            // The operator says no to r-2-VM at its prompt.
            var approved = vms.Where(v => v.Name != "r-2-VM").ToList();
            var ssh = new ScriptedSsh();
            var results = await new LivePatchService(_ => ssh).RunAsync(plan, approved, null, CancellationToken.None);

            Assert.Equal(new[] { "r-1-VM", "r-3-VM" }, results.Select(r => r.VmName).OrderBy(n => n));
            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            Assert.Equal(3, results.Single(r => r.VmName == "r-3-VM").Batch);
            Assert.DoesNotContain("r-2-VM", ssh.Opened);
        }

        [Fact]
        public async Task An_exception_in_a_vms_work_becomes_its_result_and_the_rollout_goes_on()
        {
            using var tb = new TestBundle();
            using var folder = new TempHistoryFolder();
            var vms = new[] { "r-1-VM", "r-2-VM", "r-3-VM" }.Select(ScriptedSsh.Router).ToList();
            var ssh = new ScriptedSsh
            {
                Answer = (vm, cmd) => vm == "r-1-VM"
                    ? throw new IOException("disk read failed")
                    : new SshCommandResult(0, "OUTCOME-BEGIN\nstatus=Patched\nfrom_sig=old\nto_sig=new\nOUTCOME-END\n", ""),
            };
            var warnings = new ConcurrentQueue<string>();
            var service = new LivePatchService(_ => ssh, new HistoryRecorder(new HistoryStore(folder.StorePath), warnings.Enqueue));

            var results = await service.RunAsync(vms, Options(tb, 1) with { Rollout = new RolloutOptions { BatchSize = 1, MaxFailures = 0 } }, null, CancellationToken.None);

            var crashed = results.Single(r => r.VmName == "r-1-VM");
            Assert.Equal(LivePatchStatus.Failed, crashed.Status);
            Assert.Equal(nameof(PatchStep.Unexpected), crashed.FailedStep);
            Assert.Contains("disk read failed", crashed.Error);
            Assert.Contains("check the VM", crashed.Error);
            // MaxFailures 0: the later batches are recorded as not started, not lost.
            Assert.All(results.Where(r => r.VmName != "r-1-VM"), r => Assert.Equal((LivePatchStatus.Skipped, "Stopped"), (r.Status, r.FailedStep)));
            Assert.Equal(3, results.Count);
            Assert.Equal(ssh.Opened.OrderBy(n => n), ssh.Closed.OrderBy(n => n)); // no connection left open
            var history = new HistoryStore(folder.StorePath).Read().ToList();
            Assert.Equal(new[] { "r-1-VM", "r-2-VM", "r-3-VM" }, history.Select(h => h.VmName).OrderBy(n => n));
            Assert.Empty(warnings);
        }
    }
}
