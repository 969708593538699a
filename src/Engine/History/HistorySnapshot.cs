using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Every file of a store opened at one instant, each with the length it had then: a scan sees a consistent
    /// snapshot while writers carry on.
    /// </summary>
    internal static class HistorySnapshot
    {
        private static readonly TimeSpan ReaderLockTimeout = TimeSpan.FromSeconds(5);

        /// <summary>
        /// Opens the store's files under the writers' lock when it can be had, so no rotation is half done.
        /// </summary>
        public static List<SnapshotFile> Open(HistoryStore store, CancellationToken cancellationToken)
        {
            var opened = new List<SnapshotFile>();
            if (!Directory.Exists(store.Folder)) return opened;
            HistoryFileLock? held = TryLockForReading(store.LockPath, cancellationToken);
            try
            {
                foreach (var path in store.Files())
                {
                    try
                    {
                        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
                        opened.Add(new SnapshotFile(path, stream, stream.Length));
                    }
                    catch (FileNotFoundException)
                    {
                        // Rotated away between listing and opening (only possible without the lock).
                    }
                }
                return opened;
            }
            catch
            {
                foreach (var f in opened) f.Stream.Dispose();
                throw;
            }
            finally
            {
                held?.Dispose();
            }
        }

        private static HistoryFileLock? TryLockForReading(string lockPath, CancellationToken cancellationToken)
        {
            try
            {
                return HistoryFileLock.Acquire(lockPath, ReaderLockTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException || ex is UnauthorizedAccessException || ex is IOException)
            {
                // A read-only share or a stuck writer: read without the lock rather than not at all.
                return null;
            }
        }
    }

    /// <summary>One file of a read snapshot: open, with the length it had when the snapshot was taken.</summary>
    internal sealed record SnapshotFile(string Path, FileStream Stream, long Length);
}
