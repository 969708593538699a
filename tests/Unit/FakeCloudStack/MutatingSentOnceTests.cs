using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.TestWorld.FakeCloudStack;
using Xunit.Abstractions;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>
    /// A command that changes something reaches CloudStack at most once, whatever the connection or a proxy does:
    /// the fake server's request log is the witness. When the answer is lost, the client asks CloudStack's job
    /// list instead of sending again, and says "may have run" when the list cannot tell.
    /// </summary>
    public sealed class MutatingSentOnceTests
    {
        private readonly ITestOutputHelper _output;

        public MutatingSentOnceTests(ITestOutputHelper output) { _output = output; }

        public static TheoryData<string> Faults => new TheoryData<string> { "drop", "502", "503", "504" };

        private static void Inject(FakeCloudStackServer server, string fault, string command, bool afterProcessing)
        {
            if (fault == "drop") server.Faults.DropNext(1, command, afterProcessing);
            else server.Faults.FailNext(1, int.Parse(fault, System.Globalization.CultureInfo.InvariantCulture), command, afterProcessing: afterProcessing);
        }

        private void Print(FakeCloudStackServer server)
        {
            foreach (var c in server.Calls) _output.WriteLine($"  {c.Time:HH:mm:ss.fff} {c.Command} -> {c.Status}");
        }

        [Theory]
        [MemberData(nameof(Faults))]
        public async Task AMutatingCommandThatNeverReachedCloudStackIsSentOnceAndReportedAsNotKnown(string fault)
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3));
            // A read first, so a kept-alive connection sits in the pool: the HTTP stack's own resend needs one.
            await client.GetManagementVersionAsync(CancellationToken.None);
            var router = server.Lab.Vms.First(v => v.Type == Engine.Inventory.SystemVmType.Router);
            Inject(server, fault, "rebootRouter", afterProcessing: false);

            var e = await Assert.ThrowsAnyAsync<CloudStackException>(() => client.RunAsyncJobAsync("rebootRouter", P(("id", router.Id)), CancellationToken.None));
            _output.WriteLine($"{fault}: {e.GetType().Name}: {e.Message}");
            Print(server);
            Assert.Single(server.CallsOf("rebootRouter"));
            if (fault == "503")
            {
                // 503: the server (or the proxy in front) refused to take the request: not run, and said so plainly.
                var api = Assert.IsType<CloudStackApiException>(e);
                Assert.Equal(503, api.HttpStatus);
            }
            else
            {
                var unknown = Assert.IsType<CloudStackOutcomeUnknownException>(e);
                Assert.Equal("rebootRouter", unknown.Command);
                Assert.Contains("may have run", e.Message);
                Assert.NotEmpty(server.CallsOf("listAsyncJobs")); // it asked instead of resending
            }
            AssertNoSecret(e, server.SecretKey);
        }

        [Theory]
        [MemberData(nameof(Faults))]
        public async Task AMutatingCommandWhoseAnswerWasLostIsFollowedThroughItsJobNotResent(string fault)
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3));
            await client.GetManagementVersionAsync(CancellationToken.None);
            var ssvm = server.Lab.Vm("s-1-VM");
            Inject(server, fault, "rebootSystemVm", afterProcessing: true);

            if (fault == "503")
            {
                // A 503 after processing does not happen with a real proxy; the client still sends only once.
                await Assert.ThrowsAsync<CloudStackApiException>(() => client.RunAsyncJobAsync("rebootSystemVm", P(("id", ssvm.Id)), CancellationToken.None));
            }
            else
            {
                var result = await client.RunAsyncJobAsync("rebootSystemVm", P(("id", ssvm.Id)), CancellationToken.None);
                _output.WriteLine($"{fault}: followed job {result.JobId}");
                Assert.False(string.IsNullOrEmpty(result.JobId));
                Assert.Equal("Running", server.GetVm("s-1-VM").State);
            }
            Print(server);
            Assert.Single(server.CallsOf("rebootSystemVm"));
        }

        [Fact]
        public async Task EveryMutatingCommandOfTheModuleIsSentOnceOverADroppedKeptAliveConnection()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3));
            var ssvm = server.Lab.Vm("s-1-VM");
            var router = server.Lab.Vms.First(v => v.Type == Engine.Inventory.SystemVmType.Router && v.Spec.NetworkName != null && v.Spec.VpcName == null);
            string networkId = SysVmPatch.TestWorld.Topology.ResolvedLab.IdFor("network", router.Spec.NetworkName!);
            var commands = new (string Command, string Id)[]
            {
                ("rebootSystemVm", ssvm.Id), ("stopSystemVm", ssvm.Id), ("startSystemVm", ssvm.Id), ("patchSystemVm", ssvm.Id),
                ("rebootRouter", router.Id), ("restartNetwork", networkId), ("destroySystemVm", server.Lab.Vm("v-2-VM").Id),
            };
            foreach (var (command, id) in commands)
            {
                await client.GetManagementVersionAsync(CancellationToken.None); // a pooled connection before each
                server.Faults.DropNext(1, command, afterProcessing: true);
                await client.RunAsyncJobAsync(command, P(("id", id)), CancellationToken.None);
                Assert.Single(server.CallsOf(command));
            }
            Print(server);
        }

        [Fact]
        public async Task ARestartWhoseOutcomeIsUnknownEndsAsMayHaveRunNotFailedAndNotRepeated()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3));
            var fleet = await Engine.Inventory.InventoryReader.ReadAsync(new[] { client }, new Engine.Inventory.InventoryQuery(), CancellationToken.None);
            var router = fleet.First(v => v.Type == Engine.Inventory.SystemVmType.Router);
            server.Faults.FailNext(1, 504, "rebootRouter");
            var options = new Engine.Restart.RestartOptions { Mode = Engine.Restart.RestartMode.Reboot };
            var result = await new Engine.Restart.ApiRestarter(client, options).RestartAsync(router, "run-m", CancellationToken.None);
            _output.WriteLine($"{result.Status}: {result.Error}");
            Assert.Equal(Engine.Restart.RestartStatus.MayHaveRun, result.Status);
            Assert.Contains("may have run", result.Error);
            Assert.Equal("MayHaveRun", result.ToHistory().Status);
            Assert.Single(server.CallsOf("rebootRouter"));
        }

        [Fact]
        public async Task AReadKeepsItsRetriesAfterADroppedConnection()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3));
            server.Faults.DropNext(2, "listZones");
            var zones = await client.ListAllAsync("listZones", "zone", None, CancellationToken.None);
            Assert.Equal(2, zones.Count);
            Assert.True(server.CallsOf("listZones").Count >= 3);
        }
    }
}
