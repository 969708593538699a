using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Json;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    public sealed class AsyncJobTests
    {
        private static FakeCloudStackOptions Pending(int ms) => new FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(ms) };

        [Fact]
        public async Task StopThenStartMovesTheStatesAndCallsPowerControl()
        {
            var power = new RecordingPowerControl { HoldStop = new TaskCompletionSource() };
            await using var server = await StartAsync(Pending(100), power);
            using var client = new CloudStackClient(Settings(server));
            var cpvm = server.Lab.Vm("v-2-VM");

            var stopping = client.RunAsyncJobAsync("stopSystemVm", P(("id", cpvm.Id)), CancellationToken.None);
            await power.StopReached.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("Stopping", server.GetVm(cpvm.Name).State); // while the VM is being stopped
            Assert.False(stopping.IsCompleted);
            power.HoldStop.SetResult();
            var stopped = await stopping;
            Assert.Equal("Stopped", stopped.Result.GetObject("systemvm")!.GetString("state"));
            Assert.Equal("Disconnected", stopped.Result.GetObject("systemvm")!.GetString("agentstate"));
            Assert.Equal("Stopped", server.GetVm(cpvm.Name).State);

            var started = await client.RunAsyncJobAsync("startSystemVm", P(("id", cpvm.Id)), CancellationToken.None);
            Assert.Equal("Running", started.Result.GetObject("systemvm")!.GetString("state"));
            Assert.Equal(new[] { "stop v-2-VM", "start v-2-VM" }, power.Actions.ToArray());
            Assert.False(string.IsNullOrEmpty(started.JobId));

            // The job was seen pending at least once before it ended.
            var polls = server.CallsOf("queryAsyncJobResult");
            Assert.True(polls.Count >= 2, $"{polls.Count} polls");
        }

        [Fact]
        public async Task RebootCyclesThePower()
        {
            var power = new RecordingPowerControl();
            await using var server = await StartAsync(Pending(50), power);
            using var client = new CloudStackClient(Settings(server));
            var router = server.Lab.Vms.First(v => v.Spec.Type == SysVmPatch.Engine.Inventory.SystemVmType.Router);
            var result = await client.RunAsyncJobAsync("rebootRouter", P(("id", router.Id)), CancellationToken.None);
            Assert.Equal("Running", result.Result.GetObject("router")!.GetString("state"));
            Assert.Equal(new[] { "stop " + router.Name, "start " + router.Name }, power.Actions.ToArray());
        }

        [Fact]
        public async Task FailedJobCarriesItsIdCodeAndText()
        {
            await using var server = await StartAsync(Pending(50));
            var ssvm = server.Lab.Vm("s-1-VM");
            server.Faults.FailJob("s-1-VM", "rebootSystemVm", "Unable to reboot: host \u001b[31mon fire\u001b[0m\nsecond line");
            using var client = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackJobFailedException>(() => client.RunAsyncJobAsync("rebootSystemVm", P(("id", ssvm.Id)), CancellationToken.None));
            Assert.Equal(530, e.ErrorCode);
            Assert.Equal("Unable to reboot: host \u001b[31mon fire\u001b[0m\nsecond line", e.ErrorText); // raw, as sent
            Assert.DoesNotContain("\u001b", e.Message, StringComparison.Ordinal); // but never into a terminal
            Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
            Assert.Contains("on fire", e.Message);
            Assert.Contains(e.JobId, e.Message);
            Assert.Equal("Running", server.GetVm("s-1-VM").State); // a failed reboot leaves the VM as it was
            AssertNoSecret(e, server.SecretKey);
        }

        [Fact]
        public async Task AJobFailureThatEchoesTheSecretDoesNotLeakIt()
        {
            await using var server = await StartAsync(Pending(20));
            var ssvm = server.Lab.Vm("s-1-VM");
            server.Faults.FailJob(ssvm.Id, "stopSystemVm", $"bad request secretkey={server.SecretKey}");
            using var client = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackJobFailedException>(() => client.RunAsyncJobAsync("stopSystemVm", P(("id", ssvm.Id)), CancellationToken.None));
            Assert.Contains(CloudStackSecret.Redacted, e.Message);
            AssertNoSecret(e, server.SecretKey);
        }

        [Fact]
        public async Task PatchSystemVmRefusesRoutersAndStoppedVmsWithCloudStacksErrors()
        {
            await using var server = await StartAsync(Pending(20));
            using var client = new CloudStackClient(Settings(server));
            var router = server.Lab.Vms.First(v => v.Name.StartsWith("r-", StringComparison.Ordinal));
            var onRouter = await Assert.ThrowsAsync<CloudStackJobFailedException>(() => client.RunAsyncJobAsync("patchSystemVm", P(("id", router.Id)), CancellationToken.None));
            Assert.Equal(431, onRouter.ErrorCode);
            Assert.Contains("CPVM / SSVM only", onRouter.Message);

            server.SetVmState("v-2-VM", "Stopped");
            var onStopped = await Assert.ThrowsAsync<CloudStackJobFailedException>(() => client.RunAsyncJobAsync("patchSystemVm", P(("id", server.Lab.Vm("v-2-VM").Id)), CancellationToken.None));
            Assert.Contains("not in Running state", onStopped.Message);

            var unknown = await Assert.ThrowsAsync<CloudStackApiException>(() => client.RunAsyncJobAsync("patchSystemVm", P(("id", Guid.NewGuid().ToString())), CancellationToken.None));
            Assert.Equal(431, unknown.HttpStatus);
        }

        [Fact]
        public async Task PatchSystemVmRunsTheLivePatcherAndRecordsTheNewVersion()
        {
            LabVm? patched = null;
            var options = new FakeCloudStackOptions
            {
                JobPendingTime = TimeSpan.FromMilliseconds(20),
                LivePatcher = (vm, ct) => { patched = vm; return Task.CompletedTask; },
            };
            await using var server = await StartAsync(options);
            using var client = new CloudStackClient(Settings(server));
            var ssvm = server.Lab.Vm("s-1-VM");
            var result = await client.RunAsyncJobAsync("patchSystemVm", P(("id", ssvm.Id)), CancellationToken.None);
            Assert.True(result.Result.GetBool("success"));
            Assert.Equal("s-1-VM", patched?.Name);
            var list = await client.ListAllAsync("listSystemVms", "systemvm", P(("id", ssvm.Id)), CancellationToken.None);
            Assert.Equal(server.ManagementVersion, Assert.Single(list).GetString("version"));
            Assert.Equal(1, server.GetVm("s-1-VM").LivePatchCount);
        }

        [Fact]
        public async Task LivePatcherFailureFailsTheJob()
        {
            var options = new FakeCloudStackOptions
            {
                JobPendingTime = TimeSpan.FromMilliseconds(20),
                LivePatcher = (vm, ct) => throw new InvalidOperationException("scp: No space left on device"),
            };
            await using var server = await StartAsync(options);
            using var client = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackJobFailedException>(() => client.RunAsyncJobAsync("patchSystemVm", P(("id", server.Lab.Vm("v-2-VM").Id)), CancellationToken.None));
            Assert.Contains("No space left on device", e.Message);
            Assert.Equal(0, server.GetVm("v-2-VM").LivePatchCount);
        }

        [Fact]
        public async Task RestartNetworkWithLivePatchRefreshesTheRouterRecords()
        {
            await using var server = await StartAsync(Pending(20));
            using var client = new CloudStackClient(Settings(server));
            string network = ResolvedLab.IdFor("network", "rvr-zone1");
            var before = await client.ListAllAsync("listRouters", "router", P(("networkid", network), ("listall", "true")), CancellationToken.None);
            Assert.Equal(2, before.Count);
            Assert.All(before, r => Assert.True(r.GetBool("requiresupgrade"))); // 4.18 template below 4.19.0, software not 4.19.1.0

            await client.RunAsyncJobAsync("restartNetwork", P(("id", network), ("cleanup", "false"), ("livepatch", "true")), CancellationToken.None);

            var after = await client.ListAllAsync("listRouters", "router", P(("networkid", network), ("listall", "true")), CancellationToken.None);
            Assert.All(after, r =>
            {
                Assert.False(r.GetBool("requiresupgrade"));
                Assert.Equal(server.ManagementVersion, r.GetString("softwareversion"));
                Assert.Equal(server.ManagementScriptsSignature, r.GetString("scriptsversion"));
                Assert.Equal(before.First(b => b.GetString("name") == r.GetString("name")).GetString("id"), r.GetString("id")); // not recreated
            });
        }

        [Fact]
        public async Task RestartNetworkWithCleanupRecreatesTheRouters()
        {
            var power = new RecordingPowerControl();
            await using var server = await StartAsync(Pending(20), power);
            using var client = new CloudStackClient(Settings(server));
            var router = server.Lab.Vms.First(v => v.Spec.NetworkName != null && v.Spec.RedundantGroup is null);
            string network = ResolvedLab.IdFor("network", router.Spec.NetworkName!);
            await client.RunAsyncJobAsync("restartNetwork", P(("id", network), ("cleanup", "true")), CancellationToken.None);
            var record = server.GetVm(router.Name);
            Assert.NotEqual(router.Id, record.Id);
            Assert.Equal(1, record.RecreateCount);
            Assert.Equal("Running", record.State);
            Assert.Equal(new[] { "stop " + router.Name, "start " + router.Name }, power.Actions.ToArray());
        }

        [Fact]
        public async Task CancellingAPendingJobWaitStopsPolling()
        {
            await using var server = await StartAsync(Pending(60_000));
            using var client = new CloudStackClient(Settings(server));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.RunAsyncJobAsync("rebootSystemVm", P(("id", server.Lab.Vm("s-1-VM").Id)), cts.Token));
            int polls = server.CallsOf("queryAsyncJobResult").Count;
            await Task.Delay(500);
            Assert.Equal(polls, server.CallsOf("queryAsyncJobResult").Count);
        }

        [Fact]
        public async Task AJobStillPendingAfterTheJobTimeoutSaysSo()
        {
            await using var server = await StartAsync(Pending(60_000));
            using var client = new CloudStackClient(Settings(server).With(jobTimeout: TimeSpan.FromMilliseconds(500)));
            var e = await Assert.ThrowsAsync<CloudStackJobTimeoutException>(() => client.RunAsyncJobAsync("rebootSystemVm", P(("id", server.Lab.Vm("s-1-VM").Id)), CancellationToken.None));
            Assert.Contains(e.JobId, e.Message);
            Assert.Contains("still pending", e.Message);
        }
    }
}
