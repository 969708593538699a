using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Bench
{
    /// <summary>A timed comparison: ours against a baseline, each the median of a few runs, with their answers' sizes.</summary>
    public sealed record ListingResult(string Name, double OursSeconds, double BaselineSeconds, string OursWhat, string BaselineWhat, int OursItems, int BaselineItems, string Setup);

    /// <summary>
    /// Get-SystemVm over thousands of routers through the paginated API, and Get-PatchHistory -Last 20 over a
    /// million records: no lab needed, the fake management server and a generated store.
    /// </summary>
    public static class ListingBenchmarks
    {
        private const int Repeats = 3;

        /// <summary>
        /// InventoryReader.ReadAsync (the three lists at once, later pages concurrently) against reading
        /// listHosts, listSystemVms and listRouters one page after another.
        /// </summary>
        public static async Task<ListingResult> InventoryAsync(int routers, TimeSpan addedLatency)
        {
            const int hosts = 50;
            var spec = LabSpec.Generate(1, hosts, (routers + 2 + hosts - 1) / hosts);
            await using var server = await FakeCloudStackServer.StartAsync(new ResolvedLab(spec), null, new FakeCloudStackOptions());
            using var proxy = addedLatency > TimeSpan.Zero ? new LatencyProxy(server.Endpoint, addedLatency) : null;
            using var client = new CloudStackClient(CloudStackConnectionSettings.Create((proxy?.Endpoint ?? server.Endpoint).ToString(), server.ApiKey, new CloudStackSecret(server.SecretKey), "bench").With(allowUnencryptedAuthentication: true));
            int pageSize = client.Settings.PageSize;

            async Task<int> Ours() => (await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery(), CancellationToken.None)).Count;
            async Task<int> Sequential()
            {
                int n = 0;
                foreach (var (command, item, extra) in new[] { ("listHosts", "host", "type"), ("listSystemVms", "systemvm", "listall"), ("listRouters", "router", "listall") })
                {
                    for (int page = 1; ; page++)
                    {
                        var p = new Dictionary<string, string> { ["page"] = page.ToString(), ["pagesize"] = pageSize.ToString() };
                        if (extra == "type") p["type"] = "Routing"; else p["listall"] = "true";
                        var answer = await client.ExecuteAsync(command, p, CancellationToken.None);
                        int got = answer.TryGetValue(item, out var list) && list is List<object?> l ? l.Count : 0;
                        if (item != "host") n += got;
                        if (got < pageSize) break;
                    }
                }
                return n;
            }

            await Ours(); // warm both paths (JIT, connection pool) before timing
            await Sequential();
            var (oursS, oursN) = await MedianAsync(Ours);
            var (seqS, seqN) = await MedianAsync(Sequential);
            int routerCount = spec.Zones.Sum(z => z.Hosts.Sum(h => h.Vms.Count(v => v.Type == SystemVmType.Router)));
            return new ListingResult("Get-SystemVm", oursS, seqS, "InventoryReader.ReadAsync", "one page at a time, sequential", oursN, seqN,
                $"{routerCount:N0} routers + SSVM + CPVM on {hosts} hosts, fake management server over loopback HTTP, pagesize {pageSize}, " +
                (addedLatency > TimeSpan.Zero ? $"{addedLatency.TotalMilliseconds:0} ms added per request" : "no added latency"));
        }

        /// <summary>HistoryStore.Read with Last=20 over a generated store, against reading the whole store and keeping the last 20.</summary>
        public static ListingResult History(int records)
        {
            string folder = Path.Combine(Path.GetTempPath(), "svp-bench-history-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(folder);
            try
            {
                var clock = Stopwatch.StartNew();
                Generate(Path.Combine(folder, "history.1.jsonl"), 0, records / 2);
                Generate(Path.Combine(folder, "history.jsonl"), records / 2, records);
                double generated = clock.Elapsed.TotalSeconds;
                long bytes = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length);
                var store = new HistoryStore(Path.Combine(folder, "history.jsonl"));

                Task<int> Last20() => Task.FromResult(store.Read(new HistoryQuery { Last = 20 }).Count());
                Task<int> Naive() => Task.FromResult(FullScanLast20(folder));
                var (oursS, oursN) = MedianAsync(Last20).GetAwaiter().GetResult();
                var (naiveS, naiveN) = MedianAsync(Naive).GetAwaiter().GetResult();
                return new ListingResult("Get-PatchHistory -Last 20", oursS, naiveS, "HistoryStore.Read(Last=20)", "read every line forwards, keep the last 20", oursN, naiveN,
                    $"{records:N0} records in 2 files, {bytes / (1024.0 * 1024):0} MiB, generated in {generated:0.0} s");
            }
            finally { try { Directory.Delete(folder, true); } catch (IOException) { } }
        }

        // The baseline a script would do: every line of every file, oldest file first, parsed, last 20 kept.
        private static int FullScanLast20(string folder)
        {
            var last = new Queue<PatchHistoryRecord>();
            foreach (var file in new[] { "history.1.jsonl", "history.jsonl" })
                foreach (var line in File.ReadLines(Path.Combine(folder, file)))
                {
                    if (!PatchHistoryJson.TryParse(line, out var r, out _) || r == null) continue;
                    last.Enqueue(r);
                    if (last.Count > 20) last.Dequeue();
                }
            return last.Count;
        }

        private static void Generate(string path, int from, int to)
        {
            var template = new PatchHistoryRecord { Operator = "ops@ws1", Status = "Patched" };
            var epoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
            for (int i = from; i < to; i++)
            {
                writer.WriteLine(PatchHistoryJson.ToLine(template with
                {
                    Id = "00000000-0000-0000-0000-" + i.ToString("D12"),
                    Time = epoch.AddSeconds(i * 30L),
                    Operation = (PatchOperation)(1 + (i % 4)),
                    RunId = "run-" + (i / 500),
                    VmId = "vm-" + (i % 5000),
                    VmName = $"r-{i % 5000}-VM",
                    Zone = "zone" + (i % 7),
                    Duration = TimeSpan.FromSeconds(i % 60),
                }));
            }
        }

        private static async Task<(double Seconds, int Items)> MedianAsync(Func<Task<int>> run)
        {
            var times = new List<double>();
            int items = 0;
            for (int i = 0; i < Repeats; i++)
            {
                var clock = Stopwatch.StartNew();
                items = await run();
                times.Add(clock.Elapsed.TotalSeconds);
            }
            times.Sort();
            return (times[times.Count / 2], items);
        }
    }
}
