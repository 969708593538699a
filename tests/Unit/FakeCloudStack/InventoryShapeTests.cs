using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>The fake's answers have CloudStack's fields, and odd values survive the trip through the client.</summary>
    public sealed class InventoryShapeTests
    {
        [Fact]
        public async Task HostileVmNameComesThroughIntact()
        {
            await using var server = await StartAsync();
            const string hostile = "r-3-VM\"; rm -rf / #\n\r\t\u001b[31mred\u001b[0m ☃ 名前 \\ ' <b> \u2028 \u0000end";
            server.SetApiName("r-3-VM", hostile);
            using var client = new CloudStackClient(Settings(server));
            var routers = await client.ListAllAsync("listRouters", "router", P(("listall", "true")), CancellationToken.None);
            Assert.Contains(routers, r => r.GetString("name") == hostile);
            Assert.Equal(26, routers.Count);
        }

        [Fact]
        public async Task SystemVmVersionIsItsHostRecordsAgentVersion()
        {
            await using var server = await StartAsync();
            server.SetAgentVersion("v-2-VM", "4.17.2.0");
            using var client = new CloudStackClient(Settings(server));
            var cpvm = Assert.Single(await client.ListAllAsync("listSystemVms", "systemvm", P(("name", "v-2-VM")), CancellationToken.None));
            Assert.Equal("4.17.2.0", cpvm.GetString("version"));
            Assert.Equal("consoleproxy", cpvm.GetString("systemvmtype"));
            Assert.Equal("Up", cpvm.GetString("agentstate"));
            foreach (var field in new[] { "id", "zoneid", "zonename", "podid", "hostid", "hostname", "hypervisor", "privateip", "linklocalip", "publicip", "templateid", "created" })
                Assert.False(string.IsNullOrEmpty(cpvm.GetString(field)), field);
            Assert.False(cpvm.ContainsKey("requiresupgrade"));

            var hostRecord = Assert.Single(await client.ListAllAsync("listHosts", "host", P(("type", "ConsoleProxy")), CancellationToken.None)
                .ContinueWith(t => t.Result.Where(h => h.GetString("name") == "v-2-VM").ToList()));
            Assert.Equal("4.17.2.0", hostRecord.GetString("version"));
        }

        [Fact]
        public async Task HostsAreRoutingHostsPlusSystemVmHostRecords()
        {
            await using var server = await StartAsync();
            server.SetHostAgentVersion("kvm-z1-02", "4.18.1.0");
            using var client = new CloudStackClient(Settings(server));
            var hosts = await client.ListAllAsync("listHosts", "host", None, CancellationToken.None);
            var routing = hosts.Where(h => h.GetString("type") == "Routing").ToList();
            Assert.Equal(server.Lab.Hosts.Select(h => h.Address), routing.Select(h => h.GetString("ipaddress")));
            Assert.Equal("4.18.1.0", routing.Single(h => h.GetString("name") == "kvm-z1-02").GetString("version"));
            Assert.Equal(2, hosts.Count(h => h.GetString("type") == "SecondaryStorageVM"));
            Assert.Equal(2, hosts.Count(h => h.GetString("type") == "ConsoleProxy"));
            Assert.All(routing, h => Assert.Equal("KVM", h.GetString("hypervisor")));
        }

        [Fact]
        public async Task RouterFieldsFollowTheRecords()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            server.SetApiScriptsSignature("r-4-VM", "0123456789abcdef0123456789abcdef");
            server.SetSoftwareVersion("r-5-VM", server.ManagementVersion);
            server.SetTemplateVersion("r-6-VM", "4.19.0.0");
            var routers = (await client.ListAllAsync("listRouters", "router", P(("listall", "true")), CancellationToken.None))
                .ToDictionary(r => r.GetString("name")!);

            var r4 = routers["r-4-VM"];
            Assert.Equal("0123456789abcdef0123456789abcdef", r4.GetString("scriptsversion"));
            Assert.Equal("4.18.0.0", r4.GetString("version"));
            Assert.Equal("VIRTUAL_ROUTER", r4.GetString("role"));
            Assert.True(r4.GetBool("requiresupgrade"));
            Assert.False(routers["r-5-VM"].GetBool("requiresupgrade")); // software version is the management server's
            Assert.False(routers["r-6-VM"].GetBool("requiresupgrade")); // template not below minreq 4.19.0
            Assert.Equal(ResolvedLab.SignatureForRelease("4.18.0.0"), routers["r-7-VM"].GetString("scriptsversion"));
            // Health check results only when asked (fetchhealthcheckresults, as ListRoutersCmd); healthchecksfailed always.
            Assert.All(routers.Values, r => Assert.Null(r.GetArray("healthcheckresults")));
            Assert.True(r4.GetBool("healthchecksfailed")); // records a signature the router does not run
            Assert.True(routers["r-6-VM"].GetBool("healthchecksfailed")); // records a template the router does not run
            Assert.False(routers["r-7-VM"].GetBool("healthchecksfailed"));
            var withChecks = (await client.ListAllAsync("listRouters", "router", P(("listall", "true"), ("fetchhealthcheckresults", "true")), CancellationToken.None))
                .ToDictionary(r => r.GetString("name")!);
            var check = Assert.Single(withChecks["r-4-VM"].GetArray("healthcheckresults")!);
            var result = Assert.IsAssignableFrom<System.Collections.Generic.IDictionary<string, object?>>(check);
            Assert.Equal("router_version_check", result.GetString("checkname"));
            Assert.False(result.GetBool("success"));
        }

        [Fact]
        public async Task VpcRoutersCarryTheVpcAndRestartVpcFindsThem()
        {
            var spec = new LabSpec(new[]
            {
                new ZoneSpec("zone1", new[]
                {
                    new HostSpec("kvm-a", new[]
                    {
                        new VmSpec("s-1-VM", SystemVmType.SSVM), new VmSpec("v-2-VM", SystemVmType.CPVM),
                        new VmSpec("r-3-VM", SystemVmType.Router) { VpcName = "vpc-blue", RedundantGroup = "blue", RedundantState = "PRIMARY" },
                    }),
                    new HostSpec("kvm-b", new[] { new VmSpec("r-4-VM", SystemVmType.Router) { VpcName = "vpc-blue", RedundantGroup = "blue", RedundantState = "BACKUP" } }),
                }),
            });
            await using var server = await StartAsync(new SysVmPatch.TestWorld.FakeCloudStack.FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(20) }, lab: new ResolvedLab(spec));
            using var client = new CloudStackClient(Settings(server));
            string vpc = ResolvedLab.IdFor("vpc", "vpc-blue");
            var routers = await client.ListAllAsync("listRouters", "router", P(("vpcid", vpc), ("listall", "true")), CancellationToken.None);
            Assert.Equal(2, routers.Count);
            Assert.All(routers, r => { Assert.Equal("vpc-blue", r.GetString("vpcname")); Assert.Null(r.GetString("guestnetworkid")); });

            await client.RunAsyncJobAsync("restartVPC", P(("id", vpc), ("livepatch", "true")), CancellationToken.None);
            Assert.Equal(1, server.GetVm("r-3-VM").LivePatchCount);
            Assert.Equal(1, server.GetVm("r-4-VM").LivePatchCount);
        }
    }
}
