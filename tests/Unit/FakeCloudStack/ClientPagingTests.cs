using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;
using SysVmPatch.TestWorld.FakeCloudStack;
using Xunit.Abstractions;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    public sealed class ClientPagingTests
    {
        private readonly ITestOutputHelper _output;

        public ClientPagingTests(ITestOutputHelper output) { _output = output; }

        [Fact]
        public async Task EmptyListShapeHasNoCountAndParsesAsEmpty()
        {
            await using var server = await StartAsync();
            using var http = new HttpClient();
            var signed = RequestSigner.SignParameters("listSystemVms", P(("keyword", "no-such-vm")), server.ApiKey, new CloudStackSecret(server.SecretKey), DateTimeOffset.UtcNow.AddMinutes(5));
            string body = await http.GetStringAsync(server.Endpoint + "?" + RequestSigner.BuildQuery(signed));
            Assert.Equal("{\"listsystemvmsresponse\":{}}", body);

            using var client = new CloudStackClient(Settings(server));
            var items = await client.ListAllAsync("listSystemVms", "systemvm", P(("keyword", "no-such-vm")), CancellationToken.None);
            Assert.Empty(items);
        }

        [Fact]
        public async Task PagingReturnsEveryItemOnceInOrder()
        {
            await using var server = await StartAsync();
            var lines = new ConcurrentQueue<string>();
            using var client = new CloudStackClient(Settings(server).With(pageSize: 4, maxConcurrency: 3)) { VerboseLog = lines.Enqueue };

            var routers = await client.ListAllAsync("listRouters", "router", P(("listall", "true")), CancellationToken.None);

            var expected = server.Lab.Vms.Where(v => v.Type == SystemVmType.Router).Select(v => v.Id).ToList();
            Assert.Equal(26, expected.Count);
            Assert.Equal(expected, routers.Select(r => r.GetString("id")));

            var pages = server.CallsOf("listRouters");
            Assert.Equal(7, pages.Count); // ceil(26 / 4)
            Assert.Equal(Enumerable.Range(1, 7).Select(i => i.ToString()), pages.Select(c => c.Get("page")!).OrderBy(int.Parse));
            Assert.All(pages, c => Assert.Equal("4", c.Get("pagesize")));
            Assert.All(pages, c => Assert.Equal("true", c.Get("listall")));
            Assert.Equal("1", pages[0].Get("page")); // the first page (with the count) comes first

            Assert.Contains(lines, l => l.Contains("listRouters page 2/7 (pagesize 4)"));
            Assert.DoesNotContain(lines, l => l.Contains(server.SecretKey) || l.Contains("signature="));
            foreach (var l in lines) _output.WriteLine(l);
        }

        [Fact]
        public async Task CountIsTheTotalNotThePageSize()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            var page = await client.ExecuteAsync("listRouters", P(("listall", "true"), ("page", "2"), ("pagesize", "5")), CancellationToken.None);
            Assert.Equal(26, page.GetLong("count"));
            Assert.Equal(5, page.GetArray("router")!.Count);
            var last = await client.ExecuteAsync("listRouters", P(("listall", "true"), ("page", "6"), ("pagesize", "5")), CancellationToken.None);
            Assert.Single(last.GetArray("router")!);
        }

        [Fact]
        public async Task PageSizeAboveTheServerLimitIsA431()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { MaxPageSize = 100 });
            using var client = new CloudStackClient(Settings(server).With(pageSize: 500));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ListAllAsync("listHosts", "host", None, CancellationToken.None));
            Assert.Equal(431, e.HttpStatus);
            Assert.Equal(4350, e.CsErrorCode);
            Assert.Contains("100", e.Message);
            Assert.Single(server.Calls);
        }

        [Fact]
        public async Task RoutersOfOtherAccountsNeedListAll()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            Assert.Empty(await client.ListAllAsync("listRouters", "router", None, CancellationToken.None));
            Assert.Equal(26, (await client.ListAllAsync("listRouters", "router", P(("listall", "true")), CancellationToken.None)).Count);
        }

        [Fact]
        public async Task FiltersNarrowTheList()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            var lab = server.Lab;
            var zone2 = lab.Zones[1];
            var ssvms = await client.ListAllAsync("listSystemVms", "systemvm", P(("systemvmtype", "secondarystoragevm")), CancellationToken.None);
            Assert.Equal(2, ssvms.Count);
            Assert.All(ssvms, s => Assert.StartsWith("s-", s.GetString("name")));

            var inZone2 = await client.ListAllAsync("listRouters", "router", P(("listall", "true"), ("zoneid", zone2.Id)), CancellationToken.None);
            Assert.Equal(lab.Vms.Count(v => v.Type == SystemVmType.Router && v.Host.Zone == zone2), inZone2.Count);

            var host = lab.Hosts[4];
            var onHost = await client.ListAllAsync("listRouters", "router", P(("listall", "true"), ("hostid", host.Id)), CancellationToken.None);
            Assert.Equal(host.Spec.Vms.Select(v => v.Name), onHost.Select(r => r.GetString("name")));

            var one = lab.Vms.First(v => v.Type == SystemVmType.Router);
            var byId = await client.ListAllAsync("listRouters", "router", P(("id", one.Id)), CancellationToken.None);
            Assert.Equal(one.Name, Assert.Single(byId).GetString("name"));

            var pair = await client.ListAllAsync("listRouters", "router", P(("listall", "true"), ("networkid", ResolvedNetwork("rvr-zone1"))), CancellationToken.None);
            Assert.Equal(2, pair.Count);
            Assert.All(pair, r => Assert.True(r.GetBool("isredundantrouter")));
            Assert.Equal(new[] { "BACKUP", "PRIMARY" }, pair.Select(r => r.GetString("redundantstate")).OrderBy(s => s));

            var stopped = await client.ListAllAsync("listRouters", "router", P(("listall", "true"), ("state", "Stopped")), CancellationToken.None);
            Assert.Empty(stopped);
        }

        private static string ResolvedNetwork(string name) => SysVmPatch.TestWorld.Topology.ResolvedLab.IdFor("network", name);
    }
}
