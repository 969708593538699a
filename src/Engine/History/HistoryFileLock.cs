using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// An exclusive lock across processes (and threads): a side file opened with <see cref="FileShare.None"/>.
    /// </summary>
    /// <remarks>
    /// Why a side file and not the history file itself: readers keep the history files open for as long as a
    /// scan takes, and on Unix .NET turns any open into a shared flock, so locking the data file exclusively
    /// would make every append wait for the slowest reader. The side file is only ever held for one append.
    /// .NET enforces FileShare.None with flock(LOCK_EX) on Unix and with sharing modes on Windows; the lock
    /// dies with its process, so a crash never leaves the store locked. The file is never deleted: deleting a
    /// lock file lets two writers lock two different files.
    /// </remarks>
    internal sealed class HistoryFileLock : IDisposable
    {
        private readonly FileStream _stream;

        private HistoryFileLock(FileStream stream) { _stream = stream; }

        /// <summary>Waits up to <paramref name="timeout"/> for the lock; throws <see cref="TimeoutException"/> after.</summary>
        public static HistoryFileLock Acquire(string lockPath, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            int delayMs = 1;
            var jitter = new Random(Environment.TickCount ^ Thread.CurrentThread.ManagedThreadId);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    return new HistoryFileLock(stream);
                }
                catch (IOException ex) when (IsContention(ex))
                {
                    if (clock.Elapsed >= timeout)
                        throw new TimeoutException($"The history store is locked by another process: could not lock '{lockPath}' within {timeout.TotalSeconds:0} s.", ex);
                }
                // Short, growing, jittered sleeps: appends hold the lock for well under a millisecond.
                Thread.Sleep(delayMs + jitter.Next(0, delayMs + 1));
                delayMs = Math.Min(delayMs * 2, 50);
            }
        }

        /// <summary>True for a sharing violation (someone else holds it); false for missing folders and the like.</summary>
        private static bool IsContention(IOException ex) =>
            !(ex is FileNotFoundException || ex is DirectoryNotFoundException || ex is PathTooLongException || ex is DriveNotFoundException);

        public void Dispose() => _stream.Dispose();
    }
}
