using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using SysVmPatch.Engine.History;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.History
{
    /// <summary>
    /// Filters over a million generated records, checked against the same generator's answer; timings are
    /// printed, never asserted.
    /// </summary>
    public sealed class LargeStoreQueryTests : IClassFixture<LargeStoreQueryTests.GeneratedStore>
    {
        private readonly GeneratedStore _store;
        private readonly ITestOutputHelper _output;

        public LargeStoreQueryTests(GeneratedStore store, ITestOutputHelper output)
        {
            _store = store;
            _output = output;
            _output.WriteLine($"store: {GeneratedStore.Count:N0} records, {_store.Bytes / (1024 * 1024)} MiB, generated in {_store.GenerationTime.TotalSeconds:0.0} s");
        }

        [Fact]
        public void LastTwentyAreTheNewestTwenty()
        {
            var (names, elapsed) = Time(() => Read(new HistoryQuery { Last = 20 }));
            _output.WriteLine($"-Last 20: {elapsed.TotalMilliseconds:0.0} ms");
            Assert.Equal(Expected(_ => true).Take(20), names);
        }

        [Fact]
        public void WildcardNameAndStatusOverTheWholeStore()
        {
            var query = new HistoryQuery { VmName = n => n.StartsWith("r-12", StringComparison.Ordinal) && n.EndsWith("-VM", StringComparison.Ordinal), Status = s => s == "RolledBack" };
            var (ids, elapsed) = Time(() => Read(query));
            _output.WriteLine($"full scan, -VmName r-12*-VM -Status RolledBack: {ids.Count:N0} records in {elapsed.TotalSeconds:0.00} s");
            Assert.Equal(Expected(i => GeneratedStore.VmName(i).StartsWith("r-12", StringComparison.Ordinal) && GeneratedStore.Status(i) == "RolledBack"), ids);
        }

        [Fact]
        public void RunIdFindsOneRunAcrossTheStore()
        {
            var (ids, elapsed) = Time(() => Read(new HistoryQuery { RunId = new[] { GeneratedStore.RunId(123_456) } }));
            _output.WriteLine($"-RunId over the whole store: {ids.Count:N0} records in {elapsed.TotalSeconds:0.00} s");
            Assert.Equal(Expected(i => GeneratedStore.RunId(i) == GeneratedStore.RunId(123_456)), ids);
        }

        [Fact]
        public void ATimeWindowZoneAndOperation()
        {
            var since = GeneratedStore.TimeOf(400_000);
            var until = GeneratedStore.TimeOf(420_000);
            var query = new HistoryQuery { Since = since, Until = until, Zone = z => z == "zone3", Operation = new[] { PatchOperation.Rollback } };
            var (ids, elapsed) = Time(() => Read(query));
            _output.WriteLine($"-Since/-Until/-Zone/-Operation: {ids.Count:N0} records in {elapsed.TotalSeconds:0.00} s");
            Assert.Equal(Expected(i => i >= 400_000 && i <= 420_000 && GeneratedStore.Zone(i) == "zone3" && GeneratedStore.Operation(i) == PatchOperation.Rollback), ids);
        }

        [Fact]
        public void LastWithAFilterStopsAtTheNthMatch()
        {
            var query = new HistoryQuery { VmName = n => n == "r-4999-VM", Last = 3 };
            var (ids, elapsed) = Time(() => Read(query));
            _output.WriteLine($"-VmName r-4999-VM -Last 3: {elapsed.TotalMilliseconds:0.0} ms");
            Assert.Equal(Expected(i => GeneratedStore.VmName(i) == "r-4999-VM").Take(3), ids);
        }

        private List<string> Read(HistoryQuery query)
        {
            var warnings = new List<string>();
            var ids = new HistoryStore(_store.Path).Read(query, warnings.Add).Select(r => r.Id).ToList();
            Assert.Empty(warnings);
            return ids;
        }

        /// <summary>What the store should answer: matching records' ids, newest first.</summary>
        private static IEnumerable<string> Expected(Func<int, bool> matches)
        {
            for (int i = GeneratedStore.Count - 1; i >= 0; i--)
            {
                if (matches(i)) yield return GeneratedStore.Id(i);
            }
        }

        private static (T Result, TimeSpan Elapsed) Time<T>(Func<T> run)
        {
            var clock = Stopwatch.StartNew();
            var result = run();
            return (result, clock.Elapsed);
        }

        /// <summary>
        /// A million records written straight to two files (a rotated one and the current one), every field a
        /// function of the record's number, so the expected answer of any filter can be computed.
        /// </summary>
        public sealed class GeneratedStore : IDisposable
        {
            public const int Count = 1_000_000;
            private static readonly DateTimeOffset Epoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            private static readonly string[] Statuses = { "Patched", "Patched", "Patched", "Skipped", "RolledBack", "Failed", "Patched" };
            private readonly TempHistoryFolder _temp = new TempHistoryFolder();

            public GeneratedStore()
            {
                var clock = Stopwatch.StartNew();
                Write(System.IO.Path.Combine(_temp.Folder, "history.1.jsonl"), 0, Count / 2);
                Write(_temp.StorePath, Count / 2, Count);
                GenerationTime = clock.Elapsed;
                Bytes = new FileInfo(_temp.StorePath).Length * 2;
            }

            public string Path => _temp.StorePath;
            public TimeSpan GenerationTime { get; }
            public long Bytes { get; }

            public static string Id(int i) => "00000000-0000-0000-0000-" + i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
            public static DateTimeOffset TimeOf(int i) => Epoch.AddSeconds(i * 30L);
            public static string VmName(int i) => $"r-{i % 5000}-VM";
            public static string Zone(int i) => "zone" + (i % 7);
            public static string Status(int i) => Statuses[(i / 3) % Statuses.Length];
            public static PatchOperation Operation(int i) => (PatchOperation)(1 + (i % 4));
            public static string RunId(int i) => "run-" + (i / 500);

            private static void Write(string path, int from, int to)
            {
                using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
                for (int i = from; i < to; i++)
                {
                    // The reader's constructor skips the new-GUID default, which would double the generation time.
                    writer.WriteLine(PatchHistoryJson.ToLine(new PatchHistoryRecord(PatchHistoryRecord.ReadFromStore.Yes)
                    {
                        Id = Id(i),
                        Time = TimeOf(i),
                        Operator = "ops@ws1",
                        Operation = Operation(i),
                        RunId = RunId(i),
                        VmId = "vm-" + (i % 5000),
                        VmName = VmName(i),
                        Zone = Zone(i),
                        Status = Status(i),
                        Duration = TimeSpan.FromSeconds(i % 60),
                    }));
                }
            }

            public void Dispose() => _temp.Dispose();
        }
    }
}
