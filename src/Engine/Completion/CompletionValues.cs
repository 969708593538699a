using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.Completion
{
    /// <summary>What tab completion offers, read from a management server or the history: names only, sorted, distinct.</summary>
    public static class CompletionValues
    {
        private static readonly IReadOnlyDictionary<string, string> ListAll = new Dictionary<string, string> { ["listall"] = "true" };
        private static readonly IReadOnlyDictionary<string, string> RoutingHosts = new Dictionary<string, string> { ["type"] = "Routing" };
        private static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();

        public static async Task<IReadOnlyList<string>> ZoneNamesAsync(ICloudStackApi api, CancellationToken ct) =>
            Names(await api.ListAllAsync("listZones", "zone", NoParameters, ct).ConfigureAwait(false));

        public static async Task<IReadOnlyList<string>> HostNamesAsync(ICloudStackApi api, CancellationToken ct) =>
            Names(await api.ListAllAsync("listHosts", "host", RoutingHosts, ct).ConfigureAwait(false));

        /// <summary>System VM and router names, both lists read at once.</summary>
        public static async Task<IReadOnlyList<string>> VmNamesAsync(ICloudStackApi api, CancellationToken ct)
        {
            var systemVms = api.ListAllAsync("listSystemVms", "systemvm", ListAll, ct);
            var routers = api.ListAllAsync("listRouters", "router", ListAll, ct);
            return Names((await systemVms.ConfigureAwait(false)).Concat(await routers.ConfigureAwait(false)));
        }

        /// <summary>The run ids of the most recent runs in the history, newest first.</summary>
        public static IReadOnlyList<string> RecentRunIds(HistoryStore store, int count, CancellationToken ct) =>
            store.Summarize(new HistoryQuery { Last = count }, null, ct).Select(r => r.RunId).ToList();

        private static IReadOnlyList<string> Names(IEnumerable<IDictionary<string, object?>> items) =>
            items.Select(i => i.GetString("name")).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!)
                .Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList();
    }
}
