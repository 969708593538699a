using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.History
{
    public sealed class HistoryStoreTests : IDisposable
    {
        private readonly TempHistoryFolder _temp = new TempHistoryFolder();

        public void Dispose() => _temp.Dispose();

        [Fact]
        public void RecordsComeBackNewestFirst()
        {
            var store = new HistoryStore(_temp.StorePath);
            for (int i = 0; i < 5; i++) store.Append(SampleRecords.Numbered(i));

            var names = store.Read().Select(r => r.VmName).ToList();

            Assert.Equal(new[] { "r-4-VM", "r-3-VM", "r-2-VM", "r-1-VM", "r-0-VM" }, names);
        }

        [Fact]
        public void AppendAllKeepsTheBatchTogetherInOrder()
        {
            var store = new HistoryStore(_temp.StorePath);
            store.AppendAll(Enumerable.Range(0, 3).Select(i => SampleRecords.Numbered(i)));

            Assert.Equal(3, File.ReadAllLines(store.Path).Length);
            Assert.Equal("r-2-VM", store.Read().First().VmName);
        }

        [Fact]
        public void SinceFindsRecordsWrittenSlightlyOutOfTimeOrder()
        {
            var store = new HistoryStore(_temp.StorePath);
            foreach (int minute in new[] { 0, 1, 5, 3, 6 }) store.Append(SampleRecords.Numbered(minute));

            var names = store.Read(new HistoryQuery { Since = SampleRecords.Epoch.AddMinutes(2) }).Select(r => r.VmName);

            Assert.Equal(new[] { "r-6-VM", "r-3-VM", "r-5-VM" }, names);
        }

        [Fact]
        public void ASinceScanStopsOnceItIsWellPastTheWindow()
        {
            var store = new HistoryStore(_temp.StorePath);
            store.Append(SampleRecords.Numbered(0));
            // Damaged, and far older than -Since: a scan that stops in time never gets to warn about it.
            File.AppendAllText(store.Path, "{\"v\":1,damaged}\n");
            store.Append(SampleRecords.Numbered(-3 * 24 * 60) with { Time = SampleRecords.Epoch.AddDays(-3) });
            store.Append(SampleRecords.Numbered(10));

            var warnings = new List<string>();
            var names = store.Read(new HistoryQuery { Since = SampleRecords.Epoch.AddMinutes(5) }, warnings.Add).Select(r => r.VmName).ToList();

            Assert.Equal(new[] { "r-10-VM" }, names);
            Assert.Empty(warnings);
        }

        [Fact]
        public void AStoreThatDoesNotExistYetHasNoRecords()
        {
            var store = new HistoryStore(Path.Combine(_temp.Folder, "not-yet", "history.jsonl"));
            var warnings = new List<string>();

            Assert.Empty(store.Read(warning: warnings.Add));
            Assert.Empty(warnings);
            Assert.False(Directory.Exists(store.Folder));
        }

        [Fact]
        public void AFileTruncatedMidLineStillReadsWithOneWarning()
        {
            var store = new HistoryStore(_temp.StorePath);
            for (int i = 0; i < 3; i++) store.Append(SampleRecords.Numbered(i));
            long length = new FileInfo(store.Path).Length;
            using (var f = new FileStream(store.Path, FileMode.Open)) f.SetLength(length - 25);

            var warnings = new List<string>();
            var names = store.Read(warning: warnings.Add).Select(r => r.VmName).ToList();

            Assert.Equal(new[] { "r-1-VM", "r-0-VM" }, names);
            var warning = Assert.Single(warnings);
            Assert.Contains("incomplete last line", warning);
        }

        [Fact]
        public void AnAppendAfterACrashKeepsEveryEarlierRecordAndItsOwn()
        {
            var store = new HistoryStore(_temp.StorePath);
            for (int i = 0; i < 3; i++) store.Append(SampleRecords.Numbered(i));
            // What a crash mid-write leaves: the start of a line and no newline.
            string torn = PatchHistoryJson.ToLine(SampleRecords.Numbered(3));
            File.AppendAllText(store.Path, torn.Substring(0, torn.Length / 2), new UTF8Encoding(false));

            store.Append(SampleRecords.Numbered(4));
            var warnings = new List<string>();
            var names = store.Read(warning: warnings.Add).Select(r => r.VmName).ToList();

            Assert.Equal(new[] { "r-4-VM", "r-2-VM", "r-1-VM", "r-0-VM" }, names);
            Assert.Contains("damaged line", Assert.Single(warnings));
        }

        [Fact]
        public void ADamagedLineInTheMiddleIsSkippedWithAWarning()
        {
            var store = new HistoryStore(_temp.StorePath);
            store.Append(SampleRecords.Numbered(0));
            File.AppendAllText(store.Path, "{\"v\":1,garbage}\n\n");
            store.Append(SampleRecords.Numbered(1));

            var warnings = new List<string>();
            var names = store.Read(warning: warnings.Add).Select(r => r.VmName).ToList();

            Assert.Equal(new[] { "r-1-VM", "r-0-VM" }, names);
            Assert.Single(warnings);
        }

        [Fact]
        public void RotationKeepsEveryRecordReadableInOrder()
        {
            int lineBytes = Encoding.UTF8.GetByteCount(PatchHistoryJson.ToLine(SampleRecords.Numbered(10))) + 1;
            var store = new HistoryStore(_temp.StorePath) { MaxBytes = lineBytes * 7 + 3, MaxRotatedFiles = 1000 };
            const int count = 100;
            for (int i = 0; i < count; i++) store.Append(SampleRecords.Numbered(i));

            var files = store.Files();
            var warnings = new List<string>();
            var names = store.Read(warning: warnings.Add).Select(r => r.VmName).ToList();

            Assert.True(files.Count > 10, $"expected many rotated files, got {files.Count}");
            Assert.All(files, f => Assert.True(new FileInfo(f).Length <= store.MaxBytes, $"{f} is over MaxBytes"));
            Assert.Equal(Enumerable.Range(0, count).Reverse().Select(i => $"r-{i}-VM"), names);
            Assert.Empty(warnings);
        }

        [Fact]
        public void RotationDeletesOnlyFilesBeyondTheKeptNumber()
        {
            int lineBytes = Encoding.UTF8.GetByteCount(PatchHistoryJson.ToLine(SampleRecords.Numbered(10))) + 1;
            var store = new HistoryStore(_temp.StorePath) { MaxBytes = lineBytes * 5, MaxRotatedFiles = 3 };
            for (int i = 0; i < 40; i++) store.Append(SampleRecords.Numbered(i));

            var numbers = store.Read().Select(r => int.Parse(r.VmName.Split('-')[1])).ToList();

            Assert.Equal(4, store.Files().Count);
            Assert.Equal(39, numbers[0]);
            // What is left is an unbroken run of the newest records.
            Assert.Equal(Enumerable.Range(0, numbers.Count).Select(k => 39 - k), numbers);
            Assert.Equal(20, numbers.Count);
        }

        [Fact]
        public void AnAppendSucceedsWhenRotationCannotMoveAFile()
        {
            // A folder squatting on the first rotated name makes every rotation fail.
            Directory.CreateDirectory(Path.Combine(_temp.Folder, "history.1.jsonl"));
            var store = new HistoryStore(_temp.StorePath) { MaxBytes = 600 };
            for (int i = 0; i < 10; i++) store.Append(SampleRecords.Numbered(i));

            Assert.Equal(10, store.Read().Count());
            Assert.True(new FileInfo(store.Path).Length > store.MaxBytes);
        }

        [Fact]
        public void ReadsSpanAGapThatACrashDuringRotationLeft()
        {
            var store = new HistoryStore(_temp.StorePath);
            File.WriteAllText(Path.Combine(_temp.Folder, "history.3.jsonl"), PatchHistoryJson.ToLine(SampleRecords.Numbered(0)) + "\n");
            File.WriteAllText(Path.Combine(_temp.Folder, "history.1.jsonl"), PatchHistoryJson.ToLine(SampleRecords.Numbered(1)) + "\n");
            store.Append(SampleRecords.Numbered(2));

            Assert.Equal(new[] { "r-2-VM", "r-1-VM", "r-0-VM" }, store.Read().Select(r => r.VmName));
        }

        [Fact]
        public void ThreadsOfOneProcessAppendWithoutLosingRecords()
        {
            var store = new HistoryStore(_temp.StorePath);
            System.Threading.Tasks.Parallel.For(0, 200, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 8 },
                i => store.Append(SampleRecords.Numbered(i)));

            var names = store.Read().Select(r => r.VmName).ToList();
            Assert.Equal(200, names.Distinct().Count());
            Assert.Equal(200, names.Count);
        }
    }
}
