using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Versions;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Integration
{
    /// <summary>
    /// Get-SystemVm's engine path against the fake management server over real HTTP with signed requests:
    /// the inventory must match the lab's spec field by field, across pages and across two servers.
    /// </summary>
    public class InventoryAgainstFakeServerTests
    {
        private readonly ITestOutputHelper _out;
        public InventoryAgainstFakeServerTests(ITestOutputHelper output) { _out = output; }

        private static CloudStackClient ClientFor(FakeCloudStackServer server, string name, int pageSize) =>
            new CloudStackClient(CloudStackConnectionSettings.Create(server.Endpoint.ToString(), server.ApiKey, new CloudStackSecret(server.SecretKey), name)
                .With(pageSize: pageSize, retryCount: 0, timeout: TimeSpan.FromSeconds(20), allowUnencryptedAuthentication: true));

        [Fact]
        public async Task Inventory_matches_the_spec_field_by_field_over_pages_and_two_servers()
        {
            var labA = new ResolvedLab(LabSpec.Generate(zones: 2, hostsPerZone: 2, vmsPerHost: 6));
            var specB = LabSpec.Generate(zones: 1, hostsPerZone: 1, vmsPerHost: 5, release: "4.17.2.0");
            // Distinct names for the second cloud: the same generator would reuse r-1-VM etc.
            specB = specB with { Zones = specB.Zones.Select(z => z with { Name = "b-" + z.Name, Hosts = z.Hosts.Select(h => h with { Name = "b-" + h.Name, Vms = h.Vms.Select(v => v with { Name = "b" + v.Name }).ToList() }).ToList() }).ToList() };
            var labB = new ResolvedLab(specB);
            await using var serverA = await FakeCloudStackServer.StartAsync(labA);
            await using var serverB = await FakeCloudStackServer.StartAsync(labB);
            using var a = ClientFor(serverA, "ms-a", pageSize: 5);
            using var b = ClientFor(serverB, "ms-b", pageSize: 2);

            var vms = await InventoryReader.ReadAsync(new ICloudStackApi[] { a, b }, new InventoryQuery(), CancellationToken.None);

            Assert.Equal(labA.Vms.Count + labB.Vms.Count, vms.Count);
            Assert.Equal(vms.Count, vms.Select(v => v.Id).Distinct().Count());
            foreach (var (lab, server) in new[] { (labA, "ms-a"), (labB, "ms-b") })
            {
                foreach (var expected in lab.Vms)
                {
                    var vm = Assert.Single(vms, v => v.Name == expected.Name);
                    Assert.Equal(expected.Id, vm.Id);
                    Assert.Equal(expected.Type, vm.Type);
                    Assert.Equal(server, vm.Server);
                    Assert.Equal(expected.Host.Zone.Name, vm.ZoneName);
                    Assert.Equal(expected.Host.Zone.Id, vm.ZoneId);
                    Assert.Equal(expected.Host.Name, vm.HostName);
                    Assert.Equal(expected.Host.Id, vm.HostId);
                    Assert.Equal(expected.Host.Address, vm.HostAddress);
                    Assert.Equal(expected.LinkLocalIp, vm.LinkLocalIp);
                    Assert.Equal("Running", vm.State);
                    Assert.Equal("KVM", vm.Hypervisor);
                    if (expected.Type == SystemVmType.Router)
                    {
                        Assert.Equal(CloudStackVersion.Parse(expected.Spec.Release), CloudStackVersion.Parse(vm.TemplateVersion!));
                        Assert.Equal(expected.ScriptsSignature, vm.ScriptsSignature);
                        Assert.Equal(expected.Spec.RedundantGroup != null, vm.IsRedundant);
                        Assert.Equal(expected.Spec.RedundantState ?? "UNKNOWN", vm.RedundantState); // CloudStack reports UNKNOWN for non-redundant routers
                        Assert.NotNull(vm.RequiresUpgrade);
                    }
                    else
                    {
                        Assert.Equal("Up", vm.AgentState);
                        Assert.NotNull(vm.TemplateVersion);
                    }
                }
            }
            // Several pages really were read: page 2 and beyond show up in each server's call log.
            Assert.Contains(serverA.CallsOf("listRouters"), c => c.Parameters.TryGetValue("page", out var p) && p == "3");
            Assert.Contains(serverB.CallsOf("listRouters"), c => c.Parameters.TryGetValue("page", out var p) && p == "2");
        }

        [Fact]
        public async Task A_hostile_VM_name_from_the_API_comes_through_intact()
        {
            var lab = new ResolvedLab(LabSpec.Generate(1, 1, 3));
            await using var server = await FakeCloudStackServer.StartAsync(lab);
            string hostile = "r-3-VM\"; rm -rf / #\n\u001b[31mred\u001b[0m ünï漢 $(whoami) `id`";
            server.SetApiName("r-3-VM", hostile);
            using var client = ClientFor(server, "ms", 500);
            var vms = await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery { Names = n => n.StartsWith("r-3-VM", StringComparison.Ordinal) }, CancellationToken.None);
            Assert.Equal(hostile, Assert.Single(vms).Name);
        }

        [Fact]
        public async Task Comparison_uses_the_management_server_version_and_flags_old_templates()
        {
            var spec = LabSpec.Generate(1, 1, 4, release: "4.18.0.0");
            var hosts = spec.Zones[0].Hosts[0];
            var vmsOnHost = hosts.Vms.ToList();
            vmsOnHost[3] = vmsOnHost[3] with { Release = "4.13.1.0" };
            spec = spec with { Zones = new[] { spec.Zones[0] with { Hosts = new[] { hosts with { Vms = vmsOnHost } } } } };
            var lab = new ResolvedLab(spec);
            await using var server = await FakeCloudStackServer.StartAsync(lab);
            using var client = ClientFor(server, "ms", 500);
            var vms = await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery { Types = new[] { SystemVmType.Router } }, CancellationToken.None);

            var results = await ComparisonService.CompareAsync(vms, new ComparisonRequest(), name => name == "ms" ? client : null, CancellationToken.None);

            Assert.All(results, r => Assert.Equal(CloudStackVersion.Parse(server.ManagementVersion).ToString(), r.TargetVersion));
            var old = Assert.Single(results, r => r.Name == vmsOnHost[3].Name);
            Assert.Equal(RecommendedAction.Recreate, old.RecommendedAction);
            Assert.All(results.Where(r => r.Name != old.Name), r => Assert.Equal(RecommendedAction.LivePatch, r.RecommendedAction));
            Assert.Single(server.CallsOf("listCapabilities"));
        }

        [Fact]
        public async Task Five_thousand_routers_take_ten_pages_not_five_thousand_calls()
        {
            var lab = new ResolvedLab(LabSpec.Generate(zones: 1, hostsPerZone: 50, vmsPerHost: 100));
            await using var server = await FakeCloudStackServer.StartAsync(lab);
            using var client = ClientFor(server, "ms", 500);
            var watch = Stopwatch.StartNew();
            var vms = await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery { Types = new[] { SystemVmType.Router } }, CancellationToken.None);
            watch.Stop();
            Assert.Equal(lab.Vms.Count(v => v.Type == SystemVmType.Router), vms.Count);
            int routerPages = server.CallsOf("listRouters").Count;
            Assert.Equal((int)Math.Ceiling(vms.Count / 500.0), routerPages);
            _out.WriteLine($"{vms.Count} routers in {routerPages} pages, {server.Calls.Count} API calls, {watch.ElapsedMilliseconds} ms");
        }
    }
}
