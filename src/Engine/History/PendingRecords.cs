using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Records an append could not write because the store stayed locked: kept beside the store in a whole file
    /// of their own (history.jsonl.pending-&lt;time&gt;-&lt;id&gt;, written under a temporary name and renamed, so it
    /// is complete or absent), and added by the next append that holds the lock, before its own records.
    /// No lock is needed to keep them: each timed-out append writes a file no one else names.
    /// </summary>
    internal static class PendingRecords
    {
        private static string Prefix(string storePath) => Path.GetFileName(storePath) + ".pending-";

        // Exists while kept files may be waiting: every append checks this one name instead of listing the folder.
        private static string Sentinel(string storePath) => storePath + ".pending";

        /// <summary>Keeps <paramref name="lines"/> (whole JSON lines) for the store at <paramref name="storePath"/>; returns the file.</summary>
        public static string Keep(string storePath, byte[] lines)
        {
            string folder = Path.GetDirectoryName(storePath) ?? ".";
            string name = Prefix(storePath) + DateTime.UtcNow.Ticks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N");
            string temporary = Path.Combine(folder, "." + name + ".tmp");
            string final = Path.Combine(folder, name);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                OwnerOnly.File(temporary);
                file.Write(lines, 0, lines.Length);
                file.Flush(true);
            }
            File.Move(temporary, final);
            // After the rename: an append that removes the sentinel before listing cannot miss this file.
            using (new FileStream(Sentinel(storePath), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { }
            return final;
        }

        /// <summary>The kept files, oldest first. Call with the store's lock held; delete them once their lines are written.</summary>
        public static List<string> Find(string storePath)
        {
            string folder = Path.GetDirectoryName(storePath) ?? ".";
            if (!File.Exists(Sentinel(storePath))) return new List<string>();
            File.Delete(Sentinel(storePath)); // first, then list: a file kept meanwhile brings the sentinel back
            return Directory.EnumerateFiles(folder, Prefix(storePath) + "*")
                .Where(p => Path.GetFileName(p).StartsWith(Prefix(storePath), StringComparison.Ordinal))
                .OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>The kept lines of <paramref name="files"/>, each file ending in a line break.</summary>
        public static byte[] Read(IEnumerable<string> files)
        {
            var all = new MemoryStream();
            foreach (var path in files)
            {
                byte[] bytes;
                try { bytes = File.ReadAllBytes(path); }
                catch (FileNotFoundException) { continue; }
                all.Write(bytes, 0, bytes.Length);
                if (bytes.Length > 0 && bytes[bytes.Length - 1] != (byte)'\n') all.WriteByte((byte)'\n');
            }
            return all.ToArray();
        }
    }

    /// <summary>
    /// An append that timed out waiting for the store's lock: its records are not lost but kept in
    /// <see cref="KeptIn"/>, and the next append adds them. A <see cref="TimeoutException"/>, so callers that
    /// warn about a locked store keep doing so, now with where the records are.
    /// </summary>
    public sealed class HistoryDeferredException : TimeoutException
    {
        public HistoryDeferredException(string message, string keptIn, Exception inner) : base(message, inner) { KeptIn = keptIn; }

        /// <summary>The file holding the records until the next append.</summary>
        public string KeptIn { get; }
    }
}
