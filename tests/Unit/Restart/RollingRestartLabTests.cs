using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Restart;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Restart
{
    /// <summary>Restart-SysVm's engine over a 20-VM lab: batches, pair order, waiting, failures, and the history.</summary>
    [Collection(LabCollection.Name)]
    public sealed class RollingRestartLabTests : LabWorldTests
    {
        private readonly ITestOutputHelper _out;
        private readonly string _historyPath = Path.Combine(Path.GetTempPath(), "svp-restart-" + Guid.NewGuid().ToString("N"), "history.jsonl");

        public RollingRestartLabTests(ITestOutputHelper output) { _out = output; }

        protected override LabSpec Spec => LabSpec.Generate(zones: 1, hostsPerZone: 4, vmsPerHost: 5);

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            try { Directory.Delete(Path.GetDirectoryName(_historyPath)!, recursive: true); } catch (DirectoryNotFoundException) { }
        }

        private Task<System.Collections.Generic.IReadOnlyList<SystemVm>> FleetAsync() => World.FleetAsync();

        [LabFact]
        public async Task A_batched_reboot_of_20_VMs_waits_for_each_and_records_each_with_its_reason()
        {
            var fleet = await FleetAsync();
            Assert.Equal(20, fleet.Count);
            var failing = fleet.Last(v => v.Type == SystemVmType.Router && !v.IsRedundant);
            var neverBack = fleet.Single(v => v.Type == SystemVmType.CPVM);
            World.Server.Faults.FailJob(failing.Name, "rebootRouter", "Unable to reboot domR: host is in maintenance");
            World.Server.UpdateVm(neverBack.Name, r => r with { AgentNeverConnects = true });
            var history = new HistoryStore(_historyPath);
            var service = new RestartService(World.ServerByName, history);
            var options = new RestartOptions { Mode = RestartMode.Reboot, Wait = true, Timeout = TimeSpan.FromSeconds(8), PollInterval = TimeSpan.FromMilliseconds(200) };
            var events = new System.Collections.Concurrent.ConcurrentQueue<RolloutEvent>();
            var watch = Stopwatch.StartNew();

            var results = await service.RunAsync(fleet, options with { Rollout = new RolloutOptions { BatchSize = 6 }, RunId = "run-20" }, e => { if (e.Rollout != null) events.Enqueue(e.Rollout); }, CancellationToken.None);

            _out.WriteLine($"20 VMs rebooted in {watch.Elapsed.TotalSeconds:0.0} s, {events.Count(e => e.Kind == RolloutEventKind.BatchStarted)} batches");
            Assert.Equal(20, results.Count);
            Assert.Equal(RestartStatus.Failed, results.Single(r => r.VmName == failing.Name).Status);
            Assert.Contains("host is in maintenance", results.Single(r => r.VmName == failing.Name).Error);
            var timedOut = results.Single(r => r.VmName == neverBack.Name);
            Assert.Equal(RestartStatus.TimedOut, timedOut.Status);
            Assert.Contains("Disconnected", timedOut.Error);
            Assert.All(results.Where(r => r.VmName != failing.Name && r.VmName != neverBack.Name), r => Assert.Equal(RestartStatus.Restarted, r.Status));
            Assert.All(fleet, vm => Assert.True(World.Lab.IsVmRunning(vm.Name)));

            // The redundant pair: BACKUP in an earlier batch than PRIMARY.
            var pair = fleet.Where(v => v.IsRedundant).ToList();
            Assert.Equal(2, pair.Count);
            int backupBatch = results.Single(r => r.VmName == pair.Single(p => p.RedundantState == "BACKUP").Name).Batch;
            int primaryBatch = results.Single(r => r.VmName == pair.Single(p => p.RedundantState == "PRIMARY").Name).Batch;
            Assert.True(backupBatch < primaryBatch, $"BACKUP in batch {backupBatch}, PRIMARY in {primaryBatch}");
            Assert.True(results.Max(r => r.Batch) >= 4);

            // Every VM has one history record with the run id, the status and, where it failed, the reason.
            var records = history.Read(new HistoryQuery { RunId = new[] { "run-20" } }).ToList();
            Assert.Equal(20, records.Count);
            Assert.All(records, r => Assert.Equal(PatchOperation.Restart, r.Operation));
            Assert.Equal("Failed", records.Single(r => r.VmName == failing.Name).Status);
            Assert.Contains("host is in maintenance", records.Single(r => r.VmName == failing.Name).Error);
            Assert.Equal("TimedOut", records.Single(r => r.VmName == neverBack.Name).Status);
            Assert.DoesNotContain(records, r => (r.Error ?? "").Contains(World.Server.SecretKey, StringComparison.Ordinal));
        }

        [LabFact]
        public async Task Services_mode_restarts_the_enabled_services_over_ssh_and_names_the_one_that_failed()
        {
            var fleet = await FleetAsync();
            var good = fleet.First(v => v.Type == SystemVmType.SSVM);
            var bad = fleet.First(v => v.Type == SystemVmType.Router && !v.IsRedundant);
            World.Lab.SetServiceFault(bad.Name, "haproxy", "fail");
            using var ssh = new OpenSshClient();
            var route = World.SshOptions;
            var service = new RestartService(World.ServerByName, new HistoryStore(_historyPath), new ServiceRestarter(ssh, route));
            var options = new RestartOptions { Mode = RestartMode.Services, Timeout = TimeSpan.FromSeconds(60) };

            var results = await service.RunAsync(new[] { good, bad }, options with { Rollout = new RolloutOptions { BatchSize = 2 }, RunId = "run-svc" }, null, CancellationToken.None);

            var ok = results.Single(r => r.VmName == good.Name);
            Assert.Equal(RestartStatus.Restarted, ok.Status);
            foreach (var svc in new[] { "cloud", "apache2", "portmap" })
                Assert.Contains(World.Lab.ServiceCalls(good.Name), c => c.EndsWith("systemctl restart " + svc, StringComparison.Ordinal));
            var failed = results.Single(r => r.VmName == bad.Name);
            Assert.Equal(RestartStatus.Failed, failed.Status);
            Assert.Contains("haproxy", failed.Error);
            Assert.DoesNotContain(World.Server.Calls, c => c.Command != null && !c.Command.StartsWith("list", StringComparison.Ordinal));
        }
    }
}
