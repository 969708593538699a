using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Restart;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.Restart
{
    /// <summary>Recreate -Wait against the fake management server alone (no VMs to power: states change in the API).</summary>
    public sealed class RecreateWaitTests
    {
        [Fact]
        public async Task Recreating_an_SSVM_waits_for_its_replacement_only_not_for_another_SSVM_of_the_zone_that_is_down()
        {
            // Two SSVMs in one zone; the second is Stopped for reasons of its own and stays so.
            var spec = new LabSpec(new[]
            {
                new ZoneSpec("zone1", new[]
                {
                    new HostSpec("kvm-1", new[]
                    {
                        new VmSpec("s-1-VM", SystemVmType.SSVM),
                        new VmSpec("s-9-VM", SystemVmType.SSVM) { State = "Stopped" },
                        new VmSpec("v-2-VM", SystemVmType.CPVM),
                        new VmSpec("r-3-VM", SystemVmType.Router),
                    }),
                }),
            });
            await using var server = await StartAsync(lab: new ResolvedLab(spec));
            using var client = new CloudStackClient(Settings(server));
            var fleet = await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery(), CancellationToken.None);
            var ssvm = fleet.Single(v => v.Name == "s-1-VM");
            Assert.Equal("Stopped", fleet.Single(v => v.Name == "s-9-VM").State);

            var options = new RestartOptions
            {
                Mode = RestartMode.Recreate, Wait = true, Timeout = TimeSpan.FromSeconds(20),
                PollInterval = TimeSpan.FromMilliseconds(50), MaxPollInterval = TimeSpan.FromMilliseconds(200),
            };
            var result = await new ApiRestarter(client, options).RestartAsync(ssvm, "run-r", CancellationToken.None);

            Assert.True(result.Status == RestartStatus.Restarted, $"{result.Status}: {result.Error}");
            Assert.NotNull(result.NewVmId);
            Assert.NotEqual(ssvm.Id, result.NewVmId);
            var after = await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery(), CancellationToken.None);
            Assert.Equal(result.NewVmId, after.Single(v => v.Name == "s-1-VM").Id);
            Assert.Equal("Stopped", after.Single(v => v.Name == "s-9-VM").State);
        }
    }
}
