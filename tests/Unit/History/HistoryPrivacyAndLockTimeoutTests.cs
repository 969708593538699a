using System;
using System.IO;
using System.Linq;
using System.Threading;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.History
{
    /// <summary>
    /// The history holds hypervisor addresses and check commands: owner-only on Unix, also when an older version
    /// left it world-readable. An append that cannot get the lock in time keeps its records and says where; the
    /// next append adds them, in order.
    /// </summary>
    public sealed class HistoryPrivacyAndLockTimeoutTests
    {
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
        private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path) & (UnixFileMode)Convert.ToInt32("777", 8);
        private static readonly UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private static readonly UnixFileMode OwnerFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        [UnixFact]
        public void A_new_store_is_created_owner_only()
        {
            if (OperatingSystem.IsWindows()) return; // skipped there by UnixFact; this line only tells the analyzer
            using var temp = new TempHistoryFolder();
            string folder = Path.Combine(temp.Folder, "new", "SysVmPatch");
            var store = new HistoryStore(Path.Combine(folder, "history.jsonl"));
            store.Append(SampleRecords.Numbered(1));
            Assert.Equal(OwnerFolder, Mode(folder));
            Assert.Equal(OwnerFile, Mode(store.Path));
            Assert.Equal(OwnerFile, Mode(store.LockPath));
        }

        [UnixFact]
        public void A_store_an_older_version_left_world_readable_is_tightened_by_the_next_write()
        {
            if (OperatingSystem.IsWindows()) return; // skipped there by UnixFact
            using var temp = new TempHistoryFolder();
            File.SetUnixFileMode(temp.Folder, (UnixFileMode)Convert.ToInt32("755", 8));
            File.WriteAllText(temp.StorePath, "");
            File.SetUnixFileMode(temp.StorePath, (UnixFileMode)Convert.ToInt32("644", 8));
            new HistoryStore(temp.StorePath).Append(SampleRecords.Numbered(1));
            Assert.Equal(OwnerFolder, Mode(temp.Folder));
            Assert.Equal(OwnerFile, Mode(temp.StorePath));
        }

        [Fact]
        public void An_append_that_times_out_on_the_lock_keeps_its_records_and_the_next_append_adds_them()
        {
            using var temp = new TempHistoryFolder();
            var store = new HistoryStore(temp.StorePath) { LockTimeout = TimeSpan.FromMilliseconds(200) };
            store.Append(SampleRecords.Numbered(1));
            HistoryDeferredException deferred;
            using (HistoryFileLock.Acquire(store.LockPath, TimeSpan.FromSeconds(5), CancellationToken.None))
                deferred = Assert.Throws<HistoryDeferredException>(() => store.Append(SampleRecords.Numbered(2)));
            Assert.Contains("kept", deferred.Message);
            Assert.True(File.Exists(deferred.KeptIn));
            if (!OperatingSystem.IsWindows()) Assert.Equal(OwnerFile, Mode(deferred.KeptIn));

            // A recorder says so instead of dropping the record silently.
            string? warning = null;
            using (HistoryFileLock.Acquire(store.LockPath, TimeSpan.FromSeconds(5), CancellationToken.None))
                new HistoryRecorder(store, w => warning = w).Record(SampleRecords.Numbered(3));
            Assert.Contains("kept", warning);

            store.Append(SampleRecords.Numbered(4));
            var written = store.Read().Select(r => r.VmName).Reverse().ToList();
            Assert.Equal(new[] { SampleRecords.Numbered(1).VmName, SampleRecords.Numbered(2).VmName, SampleRecords.Numbered(3).VmName, SampleRecords.Numbered(4).VmName }, written);
            Assert.Empty(Directory.EnumerateFiles(temp.Folder, "*pending*"));
        }
    }

    /// <summary>A test of Unix file modes: skipped on Windows, where the history relies on the profile folder's inherited ACL.</summary>
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute()
        {
            if (OperatingSystem.IsWindows()) Skip = "Unix file modes; on Windows the history lives under %LOCALAPPDATA%, whose inherited ACL is the user's own";
        }
    }
}
