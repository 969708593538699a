using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Tests.Inventory
{
    public class InventoryReaderTests
    {
        /// <summary>An in-memory API answering list calls from canned items in the real wire shape.</summary>
        private sealed class CannedApi : ICloudStackApi
        {
            private readonly Dictionary<string, string> _json;
            public List<string> Calls { get; } = new List<string>();
            public CannedApi(string name, Dictionary<string, string> json) { Name = name; _json = json; }
            public string Name { get; }
            public Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken ct) =>
                throw new System.NotSupportedException();
            public Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken ct)
            {
                lock (Calls) Calls.Add(command);
                var doc = (IDictionary<string, object?>)JsonReader.Parse(_json[command])!;
                var inner = doc.GetObject(command.ToLowerInvariant() + "response")!;
                var items = inner.GetArray(itemName)?.Cast<IDictionary<string, object?>>().ToList() ?? new List<IDictionary<string, object?>>();
                return Task.FromResult<IReadOnlyList<IDictionary<string, object?>>>(items);
            }
            public Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken ct) =>
                throw new System.NotSupportedException();
        }

        private static CannedApi Lab(string name = "ms1") => new CannedApi(name, new Dictionary<string, string>
        {
            ["listHosts"] = "{\"listhostsresponse\":{\"count\":1,\"host\":[{\"id\":\"h1\",\"name\":\"kvm-01\",\"ipaddress\":\"198.18.1.1\",\"type\":\"Routing\"}]}}",
            ["listSystemVms"] = "{\"listsystemvmsresponse\":{\"count\":2,\"systemvm\":[" +
                "{\"id\":\"s1\",\"name\":\"s-1-VM\",\"systemvmtype\":\"secondarystoragevm\",\"state\":\"Running\",\"agentstate\":\"Up\",\"version\":\"4.18.0.0\",\"zoneid\":\"z1\",\"zonename\":\"zone1\",\"hostid\":\"h1\",\"hostname\":\"kvm-01\",\"hypervisor\":\"KVM\",\"linklocalip\":\"169.254.1.1\",\"privateip\":\"198.19.1.1\",\"created\":\"2024-01-31T10:20:30+0000\"}," +
                "{\"id\":\"v2\",\"name\":\"v-2-VM\",\"systemvmtype\":\"consoleproxy\",\"state\":\"Stopped\",\"version\":\"4.18.0.0\",\"zoneid\":\"z2\",\"zonename\":\"zone2\",\"hostid\":\"h9\"}]}}",
            ["listRouters"] = "{\"listroutersresponse\":{\"count\":1,\"router\":[" +
                "{\"id\":\"r3\",\"name\":\"r-3-VM\",\"role\":\"VIRTUAL_ROUTER\",\"state\":\"Running\",\"version\":\"4.18.0\",\"softwareversion\":\"4.18.0.0\",\"scriptsversion\":\"abc\",\"requiresupgrade\":true,\"isredundantrouter\":true,\"redundantstate\":\"BACKUP\",\"zoneid\":\"z1\",\"zonename\":\"zone1\",\"hostid\":\"h1\",\"linklocalip\":\"169.254.1.3\",\"vpcid\":\"vpc1\",\"vpcname\":\"prod\",\"templateid\":\"t7\",\"templatename\":\"SystemVM Template (KVM) 4.18.0\"}]}}",
        });

        [Fact]
        public async Task Joins_hosts_and_maps_every_field()
        {
            var vms = await InventoryReader.ReadAsync(new[] { Lab() }, new InventoryQuery(), CancellationToken.None);
            Assert.Equal(3, vms.Count);
            var s = vms.Single(v => v.Name == "s-1-VM");
            Assert.Equal(SystemVmType.SSVM, s.Type);
            Assert.Equal("198.18.1.1", s.HostAddress);
            Assert.Equal("169.254.1.1", s.LinkLocalIp);
            Assert.Equal("Up", s.AgentState);
            Assert.Equal("ms1", s.Server);
            Assert.Equal(new System.DateTimeOffset(2024, 1, 31, 10, 20, 30, System.TimeSpan.Zero), s.Created);
            var r = vms.Single(v => v.Name == "r-3-VM");
            Assert.Equal(SystemVmType.Router, r.Type);
            Assert.True(r.IsRedundant);
            Assert.Equal("BACKUP", r.RedundantState);
            Assert.Equal("t7", r.TemplateId);
            Assert.Equal("SystemVM Template (KVM) 4.18.0", r.TemplateName);
            Assert.Equal("abc", r.ScriptsSignature);
            Assert.True(r.RequiresUpgrade);
            Assert.Equal("kvm-01", r.HostName);
            Assert.Equal("prod", r.VpcName);
            Assert.Null(vms.Single(v => v.Name == "v-2-VM").HostAddress);
        }

        [Fact]
        public async Task Filters_given_as_predicates_combine()
        {
            var api = Lab();
            var vms = await InventoryReader.ReadAsync(new[] { api }, new InventoryQuery { Zones = z => z == "zone1", Names = n => n.Length > 1 && n[1] == '-', States = s => s.StartsWith("Run", StringComparison.Ordinal) }, CancellationToken.None);
            Assert.Equal(new[] { "s-1-VM", "r-3-VM" }, vms.Select(v => v.Name));

            var routersOnly = Lab();
            var r = await InventoryReader.ReadAsync(new[] { routersOnly }, new InventoryQuery { Types = new[] { SystemVmType.Router } }, CancellationToken.None);
            Assert.Equal(new[] { "r-3-VM" }, r.Select(v => v.Name));
            Assert.DoesNotContain("listSystemVms", routersOnly.Calls);
        }

        [Fact]
        public async Task Reads_several_servers_and_tags_each_VM_with_its_server()
        {
            var vms = await InventoryReader.ReadAsync(new[] { Lab("ms1"), Lab("ms2") }, new InventoryQuery { Ids = new[] { "R3" } }, CancellationToken.None);
            Assert.Equal(new[] { "ms1", "ms2" }, vms.Select(v => v.Server));
        }
    }
}
