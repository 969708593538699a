using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.TestWorld.FakeCloudStack;
using Xunit.Abstractions;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>What the client does when the server or the network misbehaves; figures are printed, not asserted.</summary>
    public sealed class ClientFaultTests
    {
        private readonly ITestOutputHelper _output;

        public ClientFaultTests(ITestOutputHelper output) { _output = output; }

        [Fact]
        public async Task A5xxStormIsRetriedThenSucceeds()
        {
            await using var server = await StartAsync();
            server.Faults.FailNext(3, 503, "listSystemVms");
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 3)) { VerboseLog = lines.Enqueue };
            var watch = Stopwatch.StartNew();
            var vms = await client.ListAllAsync("listSystemVms", "systemvm", None, CancellationToken.None);
            foreach (var l in lines) _output.WriteLine(l);
            Assert.Contains(lines, l => l.Contains("listSystemVms: HTTP 503; retry 3/3"));
            _output.WriteLine($"3 × 503 then success in {watch.ElapsedMilliseconds} ms");
            Assert.Equal(4, vms.Count);
            var calls = server.CallsOf("listSystemVms");
            Assert.Equal(new[] { 503, 503, 503, 200 }, Array.ConvertAll(System.Linq.Enumerable.ToArray(calls), c => c.Status));
        }

        [Fact]
        public async Task A5xxStormLongerThanTheRetriesFailsClearly()
        {
            await using var server = await StartAsync();
            server.Faults.FailNext(10, 502);
            using var client = new CloudStackClient(Settings(server).With(retryCount: 2));
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ListAllAsync("listHosts", "host", None, CancellationToken.None));
            _output.WriteLine($"gave up after {server.Calls.Count} attempts in {watch.ElapsedMilliseconds} ms: {e.Message}");
            foreach (var call in server.Calls) _output.WriteLine($"  {call.Time:HH:mm:ss.fff} {call.Command} -> {call.Status}");
            Assert.Equal(502, e.HttpStatus);
            Assert.Equal(3, server.Calls.Count);
            Assert.Contains("listHosts", e.Message);
            Assert.Contains("502", e.Message);
            Assert.Contains("502 injected fault", e.Message); // the proxy page's text, without its markup
            Assert.DoesNotContain("<html>", e.Message);
            AssertNoSecret(e, server.SecretKey);
        }

        [Fact]
        public async Task A530ErrorTextReachesTheMessage()
        {
            await using var server = await StartAsync();
            server.Faults.FailNext(5, 530, "listZones");
            using var client = new CloudStackClient(Settings(server).With(retryCount: 1));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ExecuteAsync("listZones", None, CancellationToken.None));
            Assert.Equal(530, e.ErrorCode);
            Assert.Contains("Injected internal error", e.Message);
            Assert.Equal(2, server.Calls.Count); // a read is retried after a 530
        }

        [Fact]
        public async Task StateChangingCommandIsNotResentAfterAServerError()
        {
            await using var server = await StartAsync();
            server.Faults.FailNext(1, 500, "rebootSystemVm");
            using var client = new CloudStackClient(Settings(server));
            var ssvm = server.Lab.Vm("s-1-VM");
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.RunAsyncJobAsync("rebootSystemVm", P(("id", ssvm.Id)), CancellationToken.None));
            Assert.Equal(500, e.HttpStatus);
            Assert.Single(server.CallsOf("rebootSystemVm"));
        }

        [Fact]
        public async Task FourXxIsNotRetried()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { UnavailableCommands = new[] { "listRouters" } });
            using var client = new CloudStackClient(Settings(server).With(retryCount: 5));
            await Assert.ThrowsAsync<CloudStackApiException>(() => client.ListAllAsync("listRouters", "router", None, CancellationToken.None));
            Assert.Single(server.Calls);
        }

        [Fact]
        public async Task SlowAnswerTimesOutClearlyWithinTheTimeout()
        {
            await using var server = await StartAsync();
            server.Faults.Delay(TimeSpan.FromSeconds(30), "listZones");
            var timeout = TimeSpan.FromSeconds(1);
            using var client = new CloudStackClient(Settings(server).With(timeout: timeout));
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<CloudStackTransportException>(() => client.ExecuteAsync("listZones", None, CancellationToken.None));
            watch.Stop();
            _output.WriteLine($"timeout {timeout.TotalMilliseconds} ms, failed after {watch.ElapsedMilliseconds} ms: {e.Message}");
            Assert.Equal(CloudStackTransportFailure.Timeout, e.Failure);
            Assert.Contains("within 1 s", e.Message);
            Assert.Contains("request timeout", e.Message);
            Assert.Equal(Engine.Errors.EngineOption.RequestTimeout, e.Remedy);
            // A bound, not a performance figure: a timeout that is not enforced would wait the full 30 s.
            Assert.True(watch.Elapsed < timeout + TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            AssertNoSecret(e, server.SecretKey);
        }

        [Fact]
        public async Task CallerCancellationIsNotReportedAsATimeout()
        {
            await using var server = await StartAsync();
            server.Faults.Delay(TimeSpan.FromSeconds(30), "listZones");
            using var client = new CloudStackClient(Settings(server));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExecuteAsync("listZones", None, cts.Token));
        }

        [Fact]
        public async Task UnreachableEndpointFailsClearly()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop(); // nothing listens there now: connection refused
            const string secret = "unreachable-secret-abcdef";
            var settings = CloudStackConnectionSettings.Create($"http://127.0.0.1:{port}/client/api", "key", new CloudStackSecret(secret), "gone")
                .With(retryCount: 2, retryBaseDelay: TimeSpan.FromMilliseconds(10), allowUnencryptedAuthentication: true);
            using var client = new CloudStackClient(settings);
            var e = await Assert.ThrowsAsync<CloudStackTransportException>(() => client.ExecuteAsync("listZones", None, CancellationToken.None));
            _output.WriteLine(e.Message);
            Assert.Equal(CloudStackTransportFailure.Unreachable, e.Failure);
            Assert.Contains($"127.0.0.1:{port}", e.Message);
            Assert.Contains("Cannot reach", e.Message);
            AssertNoSecret(e, secret);
        }

        [Fact]
        public async Task SelfSignedCertificateIsRefusedByDefaultAndNamesTheSwitch()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { UseHttps = true });
            Assert.Equal("https", server.Endpoint.Scheme);
            using var strict = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackTransportException>(() => strict.ExecuteAsync("listZones", None, CancellationToken.None));
            _output.WriteLine(e.Message);
            Assert.Equal(CloudStackTransportFailure.CertificateInvalid, e.Failure);
            Assert.Contains("skipping the certificate check", e.Message);
            Assert.Equal(Engine.Errors.EngineOption.SkipCertificateCheck, e.Remedy);
            Assert.Empty(server.Calls); // refused before any request was sent
            AssertNoSecret(e, server.SecretKey);

            using var lenient = new CloudStackClient(Settings(server).With(skipCertificateCheck: true));
            var zones = await lenient.ListAllAsync("listZones", "zone", None, CancellationToken.None);
            Assert.Equal(2, zones.Count);
        }

        [Fact]
        public async Task GarbledAnswerIsAClearError()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server).With(retryCount: 0));
            // The fake's own root answers 404 with no body: a wrong endpoint path.
            var wrongPath = CloudStackConnectionSettings.Create(new Uri(server.Endpoint, "/client/api2").AbsoluteUri, server.ApiKey, new CloudStackSecret(server.SecretKey), "wrong")
                .With(retryCount: 0, allowUnencryptedAuthentication: true);
            using var wrong = new CloudStackClient(wrongPath);
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => wrong.ExecuteAsync("listZones", None, CancellationToken.None));
            Assert.Equal(404, e.HttpStatus);
            Assert.Contains("listZones", e.Message);
        }

        [Fact]
        public async Task APageThatFailsFailsTheWholeListWithItsOwnError()
        {
            await using var server = await StartAsync();
            server.Faults.FailNext(1, 404, "listRouters", skip: 3);
            using var client = new CloudStackClient(Settings(server).With(pageSize: 3, maxConcurrency: 2));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ListAllAsync("listRouters", "router", P(("listall", "true")), CancellationToken.None));
            Assert.Equal(404, e.HttpStatus);
            _output.WriteLine($"{server.CallsOf("listRouters").Count} of 9 pages requested before giving up: {e.Message}");
        }
    }
}