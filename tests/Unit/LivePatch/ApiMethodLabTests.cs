using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Tests.History;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// Invoke-LivePatch -Method Api: CloudStack does the patch (here the fake server's hook writes the new scripts
    /// signature into the lab VM, as CloudStack's host-side patch would), SysVmPatch waits for the jobs and accepts
    /// only what it then reads on the VM over SSH.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class ApiMethodLabTests : LabWorldTests
    {
        private readonly ITestOutputHelper _out;
        private readonly TestBundle _bundle = new TestBundle();
        private readonly ConcurrentDictionary<string, bool> _hookSkips = new ConcurrentDictionary<string, bool>();

        public ApiMethodLabTests(ITestOutputHelper output) { _out = output; }

        protected override LabSpec Spec => LabSpec.Generate(zones: 1, hostsPerZone: 2, vmsPerHost: 3);

        // Every host holds the bundle, so -Method Api is not refused (HostFilesGuard); CloudStack's patch is the hook below.
        protected override FakeCloudStackOptions ServerOptions(SysVmPatch.TestWorld.NamespaceLab.Lab lab)
        {
            foreach (var host in lab.Topology.Hosts) lab.SetHostVmsFiles(host.Name, _bundle.Folder);
            return ApiOptions(lab);
        }

        private FakeCloudStackOptions ApiOptions(SysVmPatch.TestWorld.NamespaceLab.Lab lab) => new FakeCloudStackOptions
        {
            JobPendingTime = TimeSpan.FromMilliseconds(50),
            ManagementScriptsSignature = _bundle.Bundle.Signature,
            LivePatcher = async (vm, ct) =>
            {
                if (_hookSkips.ContainsKey(vm.Name)) return; // CloudStack claims success but changed nothing
                var (code, output) = await lab.ExecInVmAsync(vm.Name, $"echo {_bundle.Bundle.Signature} > /var/cache/cloud/cloud-scripts-signature", ct);
                if (code != 0) throw new InvalidOperationException(output);
            },
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _bundle.Dispose();
        }

        private LivePatchOptions Options() => new LivePatchOptions
        {
            Bundle = _bundle.Bundle, Method = LivePatchMethod.Api, Ssh = World.SshOptions,
            Rollout = new RolloutOptions { BatchSize = 10 }, Apis = new System.Collections.Generic.Dictionary<string, SysVmPatch.Engine.CloudStack.ICloudStackApi> { [LabWorld.ServerName] = World.Client },
        };

        [LabFact]
        public async Task CloudStack_patches_and_the_VM_is_verified_over_ssh_one_restart_per_network()
        {
            var fleet = await World.FleetAsync();
            var steps = new ConcurrentQueue<string>();

            var results = await new LivePatchService().RunAsync(fleet, Options(), e => { if (e.Kind == LivePatchEventKind.Step) steps.Enqueue($"{e.VmName}: {e.Message}"); }, CancellationToken.None);

            foreach (var s in steps) _out.WriteLine(s);
            Assert.Equal(fleet.Count, results.Count);
            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            Assert.All(results, r => Assert.Equal(_bundle.Bundle.Signature, r.ToSignature));
            Assert.Equal(fleet.Count(v => v.Type != SystemVmType.Router), World.Server.CallsOf("patchSystemVm").Count);
            int networks = fleet.Where(v => v.Type == SystemVmType.Router).Select(RouterNetwork.Key).Distinct().Count();
            Assert.Equal(networks, World.Server.CallsOf("restartNetwork").Count);
            Assert.All(World.Server.CallsOf("restartNetwork"), c => Assert.Equal(("true", "false"), (c.Parameters["livepatch"], c.Parameters["cleanup"])));
        }

        [LabFact]
        public async Task A_job_that_succeeds_without_changing_the_VM_is_not_called_patched()
        {
            var fleet = await World.FleetAsync(new InventoryQuery { Types = new[] { SystemVmType.SSVM } });
            var ssvm = Assert.Single(fleet);
            _hookSkips[ssvm.Name] = true;

            var results = await new LivePatchService().RunAsync(fleet, Options() with { Force = true }, null, CancellationToken.None);

            var r = Assert.Single(results);
            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Equal("Validate", r.FailedStep);
            Assert.Contains("not the bundle's", r.Error);
        }

        [LabFact]
        public async Task Ctrl_C_during_a_job_wait_gives_the_vm_in_flight_a_may_still_finish_result_and_the_rest_not_started_records()
        {
            var fleet = (await World.FleetAsync(new InventoryQuery { Types = new[] { SystemVmType.SSVM, SystemVmType.CPVM } })).OrderBy(v => v.Name).ToList();
            Assert.True(fleet.Count >= 2, "the lab needs an SSVM and a CPVM");
            using var folder = new TempHistoryFolder();
            // Every poll of the job answers only after 30 s: the first VM's wait is under way when Ctrl+C comes.
            World.Server.Faults.Delay(TimeSpan.FromSeconds(30), "queryAsyncJobResult");
            try
            {
                using var ctrlC = new CancellationTokenSource();
                var service = new LivePatchService(null, new HistoryRecorder(new HistoryStore(folder.StorePath), null));
                var run = service.RunAsync(fleet, Options() with { Force = true, Rollout = new RolloutOptions { BatchSize = 1 } },
                    e => { if (e.Kind == LivePatchEventKind.Step && e.Message?.StartsWith("patchSystemVm", StringComparison.Ordinal) == true) ctrlC.CancelAfter(1000); },
                    ctrlC.Token);
                var results = await run.WaitAsync(TimeSpan.FromSeconds(25)); // well before the delayed poll would answer

                foreach (var r in results) _out.WriteLine($"{r.VmName}: {r.Status} {r.FailedStep} {r.Error}");
                Assert.Equal(fleet.Count, results.Count);
                var inFlight = Assert.Single(results, r => r.Error?.Contains("may still finish", StringComparison.Ordinal) == true);
                Assert.Equal((LivePatchStatus.Failed, "Cancelled"), (inFlight.Status, inFlight.FailedStep));
                Assert.All(results.Where(r => r != inFlight), r => Assert.Equal(LivePatchStatus.Skipped, r.Status));
                Assert.Single(World.Server.CallsOf("patchSystemVm")); // the later batch never reached CloudStack
                var recorded = new HistoryStore(folder.StorePath).Read().Select(h => h.VmName).OrderBy(n => n);
                Assert.Equal(fleet.Select(v => v.Name).OrderBy(n => n), recorded);
            }
            finally { World.Server.Faults.Clear(); }
        }
    }
}
