using System;
using System.IO;
using System.Linq;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.History
{
    public sealed class RunSummaryTests
    {
        [Fact]
        public void ARunIsCountedByStatusAndTimedFromFirstStartToLastEnd()
        {
            var records = new[]
            {
                SampleRecords.Numbered(0, "run-a") with { Duration = TimeSpan.FromMinutes(2) },
                SampleRecords.Numbered(1, "run-a", "RolledBack"),
                SampleRecords.Numbered(2, "run-a"),
                SampleRecords.Numbered(2, "run-a") with { Operation = PatchOperation.Rollback, Status = "RolledBack" },
                SampleRecords.Numbered(5, "run-b", "Failed"),
            };

            var runs = RunSummaryBuilder.Summarize(records.Reverse());

            Assert.Equal(new[] { "run-b", "run-a" }, runs.Select(r => r.RunId));
            var a = runs[1];
            Assert.Equal(4, a.Total);
            Assert.Equal(2, a.Counts["Patched"]);
            Assert.Equal(2, a.Counts["rolledback"]);
            Assert.Equal(SampleRecords.Epoch.AddMinutes(-2), a.Start);
            Assert.Equal(SampleRecords.Epoch.AddMinutes(2), a.End);
            Assert.Equal(TimeSpan.FromMinutes(4), a.Duration);
            Assert.Equal(new[] { "r-0-VM", "r-1-VM", "r-2-VM" }, a.VmNames);
            Assert.Equal("LivePatch, Rollback", a.Operation);
            Assert.Equal("Patched 2, RolledBack 2", a.StatusText);
        }

        [Fact]
        public void TheStoreSummarizesOnlyMatchingRecordsAndLastCountsRuns()
        {
            using var temp = new TempHistoryFolder();
            var store = new HistoryStore(temp.StorePath);
            for (int i = 0; i < 30; i++) store.Append(SampleRecords.Numbered(i, "run-" + (i / 10), i % 3 == 0 ? "Failed" : "Patched"));

            var latest = store.Summarize(new HistoryQuery { Last = 2 });
            var failedOnly = store.Summarize(new HistoryQuery { Status = s => s.StartsWith("Fail", StringComparison.Ordinal) });

            Assert.Equal(new[] { "run-2", "run-1" }, latest.Select(r => r.RunId));
            Assert.Equal(10, latest[0].Total);
            Assert.Equal(new[] { 3, 3, 4 }, failedOnly.Select(r => r.Total));
            Assert.All(failedOnly, r => Assert.Equal(new[] { "Failed" }, r.Counts.Keys));
        }
    }
}
