using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.TestWorld.FakeCloudStack.FakeJson;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    public sealed partial class FakeCloudStackServer
    {
        // Case-sensitive, as CloudStack's command map is: "listsystemvms" is not a command.
        private static readonly Dictionary<string, Func<FakeCloudStackServer, FakeParams, FakeAnswer>> Commands =
            new Dictionary<string, Func<FakeCloudStackServer, FakeParams, FakeAnswer>>(StringComparer.Ordinal)
            {
                ["listSystemVms"] = (s, p) => s.ListSystemVms(p),
                ["listRouters"] = (s, p) => s.ListRouters(p),
                ["listHosts"] = (s, p) => s.ListHosts(p),
                ["listZones"] = (s, p) => s.ListZones(p),
                ["listCapabilities"] = (s, p) => s.ListCapabilities(),
                ["queryAsyncJobResult"] = (s, p) => s.QueryAsyncJobResult(p),
                ["listAsyncJobs"] = (s, p) => s.ListAsyncJobs(p),
                ["patchSystemVm"] = (s, p) => s.PatchSystemVm(p),
                ["rebootSystemVm"] = (s, p) => s.PowerVm("rebootSystemVm", p, router: false),
                ["stopSystemVm"] = (s, p) => s.PowerVm("stopSystemVm", p, router: false),
                ["startSystemVm"] = (s, p) => s.PowerVm("startSystemVm", p, router: false),
                ["destroySystemVm"] = (s, p) => s.DestroySystemVm(p),
                ["stopRouter"] = (s, p) => s.PowerVm("stopRouter", p, router: true),
                ["startRouter"] = (s, p) => s.PowerVm("startRouter", p, router: true),
                ["rebootRouter"] = (s, p) => s.RebootRouter(p),
                ["restartNetwork"] = (s, p) => s.RestartRouters("restartNetwork", p),
                ["restartVPC"] = (s, p) => s.RestartRouters("restartVPC", p),
            };

        private FakeAnswer ListSystemVms(FakeParams p)
        {
            lock (_lock)
            {
                foreach (var n in _order) if (_vms[n].Type != SystemVmType.Router) RefreshAgentVersion(n);
                var items = _order.Select(n => _vms[n]).Where(r => r.Type != SystemVmType.Router)
                    .Where(r => Matches(p, "id", r.Id) && Matches(p, "name", r.Name) && Matches(p, "zoneid", r.Vm.Host.Zone.Id)
                        && Matches(p, "podid", r.Vm.Host.Zone.PodId) && Matches(p, "hostid", r.Vm.Host.Id) && Matches(p, "state", r.State)
                        && Matches(p, "systemvmtype", SystemVmTypeName(r.Type)) && Keyword(p, r.Name))
                    .ToList();
                return Page("listsystemvmsresponse", "systemvm", items, SystemVmResponse, p);
            }
        }

        private FakeAnswer ListRouters(FakeParams p)
        {
            lock (_lock)
            {
                // Like buildACLSearchParameters: without an id or listall=true even a root admin sees only its own account's routers.
                bool ownOnly = p["id"] is null && !p.Flag("listall") && p["account"] is null;
                var items = _order.Select(n => _vms[n]).Where(r => r.Type == SystemVmType.Router)
                    .Where(r => !ownOnly || RouterAccount == CallerAccount)
                    .Where(r => Matches(p, "id", r.Id) && Matches(p, "name", r.Name) && Matches(p, "zoneid", r.Vm.Host.Zone.Id)
                        && Matches(p, "podid", r.Vm.Host.Zone.PodId) && Matches(p, "hostid", r.Vm.Host.Id) && Matches(p, "state", r.State)
                        && Matches(p, "vpcid", VpcId(r.Vm)) && Matches(p, "networkid", NetworkId(r.Vm)) && Matches(p, "account", RouterAccount)
                        && Keyword(p, r.Name))
                    .ToList();
                bool fetchHealth = p.Flag("fetchhealthcheckresults");
                return Page("listroutersresponse", "router", items, r => RouterResponse(r, fetchHealth), p);
            }
        }

        private FakeAnswer ListHosts(FakeParams p)
        {
            List<Dictionary<string, object?>> items;
            lock (_lock)
            {
                var all = new List<(string Id, string Name, string Type, string State, string ZoneId, string PodId, string Hypervisor, Dictionary<string, object?> Response)>();
                foreach (var host in Lab.Hosts)
                    all.Add((host.Id, host.Name, "Routing", _hostStates[host.Name], host.Zone.Id, host.Zone.PodId, host.Spec.Hypervisor, HostResponse(host)));
                foreach (var r in _order.Select(n => _vms[n]).Where(r => r.Type != SystemVmType.Router))
                    all.Add((SystemVmHostId(r), r.Name, SystemVmHostType(r.Type), AgentState(r), r.Vm.Host.Zone.Id, r.Vm.Host.Zone.PodId, "", SystemVmHostResponse(r)));
                items = all.Where(h => Matches(p, "id", h.Id) && Matches(p, "name", h.Name) && Matches(p, "type", h.Type) && Matches(p, "state", h.State)
                        && Matches(p, "zoneid", h.ZoneId) && Matches(p, "podid", h.PodId) && Matches(p, "hypervisor", h.Hypervisor) && Keyword(p, h.Name))
                    .Select(h => h.Response).ToList();
            }
            return Page("listhostsresponse", "host", items, h => h, p);
        }

        private FakeAnswer ListZones(FakeParams p)
        {
            var items = Lab.Zones.Where(z => Matches(p, "id", z.Id) && Matches(p, "name", z.Name) && Keyword(p, z.Name))
                .Select(z => Obj(("id", z.Id), ("name", z.Name), ("networktype", "Advanced"), ("allocationstate", "Enabled"), ("securitygroupsenabled", false)))
                .ToList();
            return Page("listzonesresponse", "zone", items, z => z, p);
        }

        private FakeAnswer ListCapabilities() =>
            FakeAnswer.Ok("listcapabilitiesresponse", Obj(("capability", Obj(
                ("cloudstackversion", ManagementVersion), ("apilimitinterval", 1), ("apilimitmax", 0),
                ("customdiskofferingmaxsize", 1024), ("kvmsnapshotenabled", true), ("securitygroupsenabled", false)))));

        /// <summary>
        /// One page of a list with CloudStack's shape: count is the total; the empty list is an empty object
        /// with no count; pagesize above default.page.size is refused.
        /// </summary>
        // Responses are built for the requested page only: a 5,000-router list must not build 5,000 objects per page.
        private FakeAnswer Page<T>(string responseName, string itemName, List<T> items, Func<T, Dictionary<string, object?>> respond, FakeParams p)
        {
            int? page = p.Int("page"), pageSize = p.Int("pagesize");
            if (pageSize.HasValue && pageSize.Value != -1 && (pageSize.Value < 1 || pageSize.Value > Options.MaxPageSize))
                throw FakeApiError.InvalidParameter($"Page size can't exceed max allowed page size value: {Options.MaxPageSize}");
            if (page.HasValue && page.Value < 1)
                throw FakeApiError.InvalidParameter("Invalid page value: page must be a positive number");
            IEnumerable<T> slice = items;
            if (page.HasValue && pageSize.HasValue && pageSize.Value > 0)
                slice = items.Skip((page.Value - 1) * pageSize.Value).Take(pageSize.Value);
            else if (pageSize.HasValue && pageSize.Value > 0)
                slice = items.Take(pageSize.Value);
            var list = slice.Select(i => (object?)respond(i)).ToList();
            var content = new Dictionary<string, object?>();
            if (items.Count > 0) content["count"] = items.Count;
            if (list.Count > 0) content[itemName] = list;
            return FakeAnswer.Ok(responseName, content);
        }

        private static bool Matches(FakeParams p, string name, string? value)
        {
            string? wanted = p[name];
            return wanted is null || string.Equals(wanted, value, StringComparison.OrdinalIgnoreCase);
        }

        private static bool Keyword(FakeParams p, string name)
        {
            string? keyword = p["keyword"];
            return keyword is null || name.IndexOf(keyword, StringComparison.OrdinalIgnoreCase) >= 0;
        }

        // ---- response objects ---------------------------------------------------------------------------

        private Dictionary<string, object?> SystemVmResponse(FakeVmRecord r)
        {
            var vm = r.Vm;
            bool running = r.State == "Running";
            return Obj(
                ("id", r.Id), ("name", r.Name), ("systemvmtype", SystemVmTypeName(r.Type)), ("state", r.State), ("agentstate", AgentState(r)),
                ("version", r.AgentVersion),
                ("zoneid", vm.Host.Zone.Id), ("zonename", vm.Host.Zone.Name), ("podid", vm.Host.Zone.PodId), ("podname", vm.Host.Zone.PodName),
                ("hostid", running ? (r.MovedTo ?? vm.Host).Id : null), ("hostname", running ? (r.MovedTo ?? vm.Host).Name : null), ("hypervisor", r.ApiHypervisor ?? vm.Host.Spec.Hypervisor),
                ("privateip", r.ApiPrivateIp ?? vm.PrivateIp), ("linklocalip", r.ApiLinkLocalIp ?? vm.LinkLocalIp), ("publicip", vm.PublicIp),
                ("templateid", ResolvedLab.IdFor("template", r.TemplateVersion)), ("templatename", TemplateName(r)),
                ("created", Timestamp(_created)), ("disconnected", running ? null : Timestamp(DateTimeOffset.UtcNow)));
        }

        private Dictionary<string, object?> RouterResponse(FakeVmRecord r) => RouterResponse(r, fetchHealth: false);

        // healthcheckresults only with fetchhealthcheckresults=true (ListRoutersCmd, since 4.14); healthchecksfailed always.
        private Dictionary<string, object?> RouterResponse(FakeVmRecord r, bool fetchHealth)
        {
            var check = VersionHealthCheck(r);
            var vm = r.Vm;
            bool running = r.State == "Running";
            bool redundant = vm.Spec.RedundantGroup != null;
            return Obj(
                ("id", r.Id), ("name", r.Name), ("state", r.State), ("role", "VIRTUAL_ROUTER"),
                ("zoneid", vm.Host.Zone.Id), ("zonename", vm.Host.Zone.Name), ("podid", vm.Host.Zone.PodId), ("podname", vm.Host.Zone.PodName),
                ("hostid", running ? (r.MovedTo ?? vm.Host).Id : null), ("hostname", running ? (r.MovedTo ?? vm.Host).Name : null), ("hypervisor", r.ApiHypervisor ?? vm.Host.Spec.Hypervisor),
                ("linklocalip", r.ApiLinkLocalIp ?? vm.LinkLocalIp), ("publicip", vm.PublicIp), ("guestipaddress", r.ApiPrivateIp ?? vm.PrivateIp),
                ("guestnetworkid", NetworkId(vm)), ("guestnetworkname", vm.Spec.VpcName is null ? vm.Spec.NetworkName : null),
                ("vpcid", VpcId(vm)), ("vpcname", vm.Spec.VpcName),
                ("isredundantrouter", redundant), ("redundantstate", redundant ? (r.RedundantState ?? "UNKNOWN") : "UNKNOWN"),
                ("version", string.IsNullOrEmpty(r.TemplateVersion) ? "UNKNOWN" : r.TemplateVersion),
                ("requiresupgrade", RequiresUpgrade(r)), ("softwareversion", r.SoftwareVersion), ("scriptsversion", r.ScriptsSignature),
                ("templateid", ResolvedLab.IdFor("template", r.TemplateVersion)), ("templatename", TemplateName(r)),
                ("account", RouterAccount), ("domain", "ROOT"), ("domainid", ResolvedLab.IdFor("domain", "ROOT")),
                ("created", Timestamp(_created)), ("healthchecksfailed", check != null && !(bool)check["success"]!),
                ("healthcheckresults", fetchHealth ? (check is null ? new List<object?>() : new List<object?> { check }) : null));
        }

        private Dictionary<string, object?> HostResponse(LabHost host) =>
            Obj(("id", host.Id), ("name", host.Name), ("state", _hostStates[host.Name]), ("type", "Routing"), ("ipaddress", _hostAddresses.TryGetValue(host.Name, out var address) ? address : host.Address),
                ("zoneid", host.Zone.Id), ("zonename", host.Zone.Name), ("podid", host.Zone.PodId), ("podname", host.Zone.PodName),
                ("clusterid", ResolvedLab.IdFor("cluster", host.Zone.Name)), ("clustername", host.Zone.Name + "-cluster1"),
                ("hypervisor", host.Spec.Hypervisor), ("version", _hostAgentVersions[host.Name]), ("resourcestate", "Enabled"),
                ("created", Timestamp(_created)));

        // SSVM and CPVM register as hosts of their own; listSystemVms' version is this record's version.
        private Dictionary<string, object?> SystemVmHostResponse(FakeVmRecord r) =>
            Obj(("id", SystemVmHostId(r)), ("name", r.Name), ("state", AgentState(r)), ("type", SystemVmHostType(r.Type)), ("ipaddress", r.Vm.PrivateIp),
                ("zoneid", r.Vm.Host.Zone.Id), ("zonename", r.Vm.Host.Zone.Name), ("podid", r.Vm.Host.Zone.PodId), ("podname", r.Vm.Host.Zone.PodName),
                ("version", r.AgentVersion), ("resourcestate", "Enabled"), ("created", Timestamp(_created)));

        /// <summary>Numeric dotted comparison; anything unparseable counts as lowest ("UNKNOWN" needs an upgrade).</summary>
        internal static int CompareVersions(string? a, string? b)
        {
            int[]? pa = Parse(a), pb = Parse(b);
            if (pa is null) return pb is null ? 0 : -1;
            if (pb is null) return 1;
            for (int i = 0; i < Math.Max(pa.Length, pb.Length); i++)
            {
                int x = i < pa.Length ? pa[i] : 0, y = i < pb.Length ? pb[i] : 0;
                if (x != y) return x.CompareTo(y);
            }
            return 0;

            static int[]? Parse(string? v)
            {
                if (string.IsNullOrWhiteSpace(v)) return null;
                var parts = v.Split('.');
                var result = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                    if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i])) return null;
                return result;
            }
        }

        private static string SystemVmTypeName(SystemVmType type) => type == SystemVmType.SSVM ? "secondarystoragevm" : "consoleproxy";
        private static string SystemVmHostType(SystemVmType type) => type == SystemVmType.SSVM ? "SecondaryStorageVM" : "ConsoleProxy";
        private static string SystemVmHostId(FakeVmRecord r) => ResolvedLab.IdFor("host", r.Vm.Name);
        private static string AgentState(FakeVmRecord r) => r.State == "Running" && !r.AgentNeverConnects ? "Up" : "Disconnected";
        private static string TemplateName(FakeVmRecord r) => $"SystemVM Template ({r.Vm.Host.Spec.Hypervisor}) {r.TemplateVersion}";

        internal static string? NetworkId(LabVm vm) => vm.Spec.VpcName is null && vm.Spec.NetworkName != null ? ResolvedLab.IdFor("network", vm.Spec.NetworkName) : null;
        internal static string? VpcId(LabVm vm) => vm.Spec.VpcName is null ? null : ResolvedLab.IdFor("vpc", vm.Spec.VpcName);
    }
}
