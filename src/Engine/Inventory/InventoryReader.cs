using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>
    /// Reads the fleet: listSystemVms, listRouters and listHosts run concurrently on every management server,
    /// each reading all its pages; the host list supplies the jump-host address for every VM.
    /// </summary>
    public static class InventoryReader
    {
        private static readonly IReadOnlyDictionary<string, string> ListAll = new Dictionary<string, string> { ["listall"] = "true" };
        // The last health check results come only when asked (since 4.14; older servers ignore the parameter).
        private static readonly IReadOnlyDictionary<string, string> RoutersWithHealth = new Dictionary<string, string> { ["listall"] = "true", ["fetchhealthcheckresults"] = "true" };
        private static readonly IReadOnlyDictionary<string, string> RoutingHosts = new Dictionary<string, string> { ["type"] = "Routing" };

        public static Task<IReadOnlyList<SystemVm>> ReadAsync(IEnumerable<ICloudStackApi> servers, InventoryQuery query, CancellationToken cancellationToken) =>
            ReadAsync(servers, new[] { query ?? throw new ArgumentNullException(nameof(query)) }, cancellationToken);

        /// <summary>
        /// One read of each server answers several queries (one per pipeline input): a VM is returned once,
        /// in list order, when any query matches it.
        /// </summary>
        public static async Task<IReadOnlyList<SystemVm>> ReadAsync(IEnumerable<ICloudStackApi> servers, IReadOnlyList<InventoryQuery> queries, CancellationToken cancellationToken)
        {
            if (servers is null) throw new ArgumentNullException(nameof(servers));
            if (queries is null || queries.Count == 0) throw new ArgumentException("At least one query is needed.", nameof(queries));
            var perServer = await Task.WhenAll(servers.Select(s => ReadOneAsync(s, queries, cancellationToken))).ConfigureAwait(false);
            return perServer.SelectMany(list => list).ToList();
        }

        private static async Task<IReadOnlyList<SystemVm>> ReadOneAsync(ICloudStackApi api, IReadOnlyList<InventoryQuery> queries, CancellationToken ct)
        {
            bool wantSystemVms = queries.Any(q => q.Includes(SystemVmType.SSVM) || q.Includes(SystemVmType.CPVM));
            bool wantRouters = queries.Any(q => q.Includes(SystemVmType.Router));
            var hostsTask = api.ListAllAsync("listHosts", "host", RoutingHosts, ct);
            var systemVmsTask = wantSystemVms ? api.ListAllAsync("listSystemVms", "systemvm", ListAll, ct) : Task.FromResult(Empty);
            var routersTask = wantRouters ? api.ListAllAsync("listRouters", "router", RoutersWithHealth, ct) : Task.FromResult(Empty);
            await Task.WhenAll(hostsTask, systemVmsTask, routersTask).ConfigureAwait(false);

            var hosts = new Dictionary<string, SystemVmMapper.HostInfo>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in hostsTask.Result)
            {
                var info = SystemVmMapper.ToHost(h);
                if (info.Id.Length > 0) hosts[info.Id] = info;
            }

            var filters = queries.Select(q => new Matcher(q)).ToList();
            var result = new List<SystemVm>();
            foreach (var item in systemVmsTask.Result)
            {
                var vm = SystemVmMapper.FromSystemVm(item, hosts, api.Name);
                if (filters.Any(f => f.Matches(vm))) result.Add(vm);
            }
            foreach (var item in routersTask.Result)
            {
                var vm = SystemVmMapper.FromRouter(item, hosts, api.Name);
                if (filters.Any(f => f.Matches(vm))) result.Add(vm);
            }
            return result;
        }

        private static readonly IReadOnlyList<IDictionary<string, object?>> Empty = Array.Empty<IDictionary<string, object?>>();

        /// <summary>The query with its id set built once, not per VM.</summary>
        private sealed class Matcher
        {
            private readonly InventoryQuery _q;
            private readonly HashSet<string>? _ids;

            public Matcher(InventoryQuery q)
            {
                _q = q;
                _ids = q.Ids is { Count: > 0 } ? new HashSet<string>(q.Ids, StringComparer.OrdinalIgnoreCase) : null;
            }

            public bool Matches(SystemVm vm) =>
                _q.Includes(vm.Type)
                && (_ids is null || _ids.Contains(vm.Id))
                && Any(_q.Names, vm.Name)
                && Any(_q.Zones, vm.ZoneName, vm.ZoneId)
                && Any(_q.States, vm.State)
                && Any(_q.HostNames, vm.HostName, vm.HostId)
                && Any(_q.Versions, vm.TemplateVersion, vm.SoftwareVersion);

            // A filter not given lets everything through; a missing value is tried as the empty text.
            private static bool Any(Func<string, bool>? filter, params string?[] values) =>
                filter is null || values.Any(v => filter(v ?? ""));
        }
    }
}
