using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using SysVmPatch.Engine.History;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.History
{
    /// <summary>Eight separate processes append to one store at once; every record must arrive whole, once.</summary>
    public sealed class HistoryConcurrencyTests : IDisposable
    {
        private const int Writers = 8;
        private const int RecordsPerWriter = 250;
        private readonly TempHistoryFolder _temp = new TempHistoryFolder();
        private readonly ITestOutputHelper _output;

        public HistoryConcurrencyTests(ITestOutputHelper output) { _output = output; }

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void EightProcessesAppendingAtOnceLoseAndCorruptNothing() => RunWriters(HistoryStore.DefaultMaxBytes);

        [Fact]
        public void EightProcessesAppendingAtOnceAcrossRotationsLoseNothing()
        {
            var store = RunWriters(maxBytes: 32 * 1024);
            Assert.True(store.Files().Count > 5, $"expected rotations, found {store.Files().Count} files");
        }

        private HistoryStore RunWriters(long maxBytes)
        {
            var clock = Stopwatch.StartNew();
            var processes = Enumerable.Range(0, Writers)
                .Select(w => HistoryWriterProcess.Start(_temp.StorePath, w, RecordsPerWriter, maxBytes))
                .ToList();
            foreach (var p in processes)
            {
                string stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, $"writer exited with {p.ExitCode}: {stderr}");
                p.Dispose();
            }
            _output.WriteLine($"{Writers} processes x {RecordsPerWriter} appends: {clock.Elapsed.TotalSeconds:0.00} s");

            var store = new HistoryStore(_temp.StorePath);
            var warnings = new List<string>();
            var records = store.Read(warning: warnings.Add).ToList();

            Assert.Empty(warnings);
            Assert.Equal(Writers * RecordsPerWriter, records.Count);
            Assert.Equal(records.Count, records.Select(r => r.Id).Distinct().Count());
            for (int w = 0; w < Writers; w++)
            {
                // Each writer's records, newest first, are exactly its appends in reverse order.
                var mine = records.Where(r => r.RunId == "writer-" + w).Select(r => r.VmName).ToList();
                Assert.Equal(Enumerable.Range(0, RecordsPerWriter).Reverse().Select(i => $"w{w}-vm-{i}"), mine);
            }
            Assert.All(records, r => Assert.Equal(new[] { "Copy ok", "Install ok", "Validate ok" }, r.Steps));
            return store;
        }
    }
}
