using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Restart;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Restart
{
    /// <summary>
    /// API restarts against the fake management server driving the namespace lab: the VM's processes really die
    /// and its sshd really comes back, and the restarter waits for that by polling, not by sleeping.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class ApiRestartLabTests : LabWorldTests
    {
        private readonly ITestOutputHelper _out;

        public ApiRestartLabTests(ITestOutputHelper output) { _out = output; }

        protected override LabSpec Spec => LabSpec.Generate(zones: 1, hostsPerZone: 2, vmsPerHost: 2);

        private async Task<SystemVm> VmAsync(string name) =>
            (await World.FleetAsync(new InventoryQuery { Names = n => n == name })).Single();

        private static RestartOptions Options(RestartMode mode) => new RestartOptions
        {
            Mode = mode, Wait = true, Timeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(100), MaxPollInterval = TimeSpan.FromSeconds(1),
        };

        // A process started inside the VM before the restart; it survives only if the VM did not really restart.
        private async Task PlantSleeperAsync(string vm) => await World.Lab.ExecInVmAsync(vm, "setsid sleep 600 >/dev/null 2>&1 < /dev/null &");
        private async Task<bool> SleeperAliveAsync(string vm) => (await World.Lab.ExecInVmAsync(vm, "pgrep -x sleep")).ExitCode == 0;

        [LabFact]
        public async Task Rebooting_a_router_really_restarts_it_and_waits_until_it_runs()
        {
            var router = World.Lab.Topology.Vms.First(v => v.Type == SystemVmType.Router);
            await PlantSleeperAsync(router.Name);
            Assert.True(await SleeperAliveAsync(router.Name));
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();

            var result = await new ApiRestarter(World.Client, Options(RestartMode.Reboot), log.Enqueue).RestartAsync(await VmAsync(router.Name), "run-1", CancellationToken.None);

            foreach (var line in log) _out.WriteLine(line);
            Assert.Equal(RestartStatus.Restarted, result.Status);
            Assert.Single(result.JobIds);
            Assert.Equal("Running", result.FinalState);
            Assert.True(World.Lab.IsVmRunning(router.Name));
            Assert.False(await SleeperAliveAsync(router.Name));
            Assert.Contains(World.Server.CallsOf("rebootRouter"), c => c.Parameters["id"] == router.Id);
            // The wait polled listRouters after the job instead of sleeping a fixed time.
            Assert.Contains(World.Server.CallsOf("listRouters"), c => c.Parameters.TryGetValue("id", out var id) && id == router.Id);
        }

        [LabFact]
        public async Task Stop_then_start_of_an_SSVM_waits_for_its_agent()
        {
            var ssvm = World.Lab.Topology.Vms.First(v => v.Type == SystemVmType.SSVM);
            await PlantSleeperAsync(ssvm.Name);

            var result = await new ApiRestarter(World.Client, Options(RestartMode.StopStart)).RestartAsync(await VmAsync(ssvm.Name), "run-2", CancellationToken.None);

            Assert.Equal(RestartStatus.Restarted, result.Status);
            Assert.Equal(2, result.JobIds.Count);
            Assert.Equal("Running/Up", result.FinalState);
            Assert.False(await SleeperAliveAsync(ssvm.Name));
            var calls = World.Server.Calls.Select(c => c.Command).Where(c => c == "stopSystemVm" || c == "startSystemVm").ToList();
            Assert.Equal(new[] { "stopSystemVm", "startSystemVm" }, calls);
        }

        [LabFact]
        public async Task A_failed_job_is_reported_with_CloudStacks_reason()
        {
            var router = World.Lab.Topology.Vms.Last(v => v.Type == SystemVmType.Router);
            World.Server.Faults.FailJob(router.Name, "rebootRouter", "Resource [Host:1] is unreachable: Host 1: Host with specified id is not in the right state: Down");

            var result = await new ApiRestarter(World.Client, Options(RestartMode.Reboot)).RestartAsync(await VmAsync(router.Name), "run-3", CancellationToken.None);

            Assert.Equal(RestartStatus.Failed, result.Status);
            Assert.Contains("not in the right state", result.Error);
            Assert.Contains(result.Steps, s => s.StartsWith("failed:", StringComparison.Ordinal));
        }

        [LabFact]
        public async Task A_VM_whose_agent_never_reconnects_times_out_with_what_was_seen()
        {
            var cpvm = World.Lab.Topology.Vms.First(v => v.Type == SystemVmType.CPVM);
            World.Server.UpdateVm(cpvm.Name, r => r with { AgentNeverConnects = true });
            var options = new RestartOptions { Mode = RestartMode.Reboot, Wait = true, Timeout = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(100) };

            var result = await new ApiRestarter(World.Client, options).RestartAsync(await VmAsync(cpvm.Name), "run-4", CancellationToken.None);

            Assert.Equal(RestartStatus.TimedOut, result.Status);
            Assert.Contains("Running/Disconnected", result.Error);
            Assert.True(result.Duration >= TimeSpan.FromSeconds(3));
            _out.WriteLine($"{result.VmName}: {result.Error} after {result.Duration.TotalSeconds:0.0} s");
        }

        [LabFact]
        public async Task Recreating_an_SSVM_waits_for_its_replacement()
        {
            var ssvm = World.Lab.Topology.Vms.First(v => v.Type == SystemVmType.SSVM);
            var before = await VmAsync(ssvm.Name);

            var result = await new ApiRestarter(World.Client, Options(RestartMode.Recreate)).RestartAsync(before, "run-5", CancellationToken.None);

            Assert.Equal(RestartStatus.Restarted, result.Status);
            Assert.NotNull(result.NewVmId);
            Assert.NotEqual(before.Id, result.NewVmId);
            Assert.Equal(result.NewVmId, (await VmAsync(ssvm.Name)).Id);
        }
    }
}
