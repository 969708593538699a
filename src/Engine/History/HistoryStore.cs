using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// The audit history: append-only JSON Lines in one current file plus size-rotated older files
    /// (history.jsonl, history.1.jsonl, history.2.jsonl... oldest last).
    /// </summary>
    /// <remarks>
    /// Safe for many processes at once: each append takes an exclusive lock across processes, writes its
    /// records as one write of whole lines and flushes to disk before letting go. A crash can only leave an
    /// unfinished last line, which the next append closes off and readers skip with a warning; earlier
    /// records are never rewritten.
    /// </remarks>
    public sealed class HistoryStore
    {
        /// <summary>The size at which the current file is rotated.</summary>
        public const long DefaultMaxBytes = 64L * 1024 * 1024;

        /// <summary>How many rotated files are kept (20 x 64 MiB is some three million records).</summary>
        public const int DefaultMaxRotatedFiles = 20;

        private readonly HistoryRotation _rotation;

        /// <summary>The store at the default place (or $SYSVMPATCH_HISTORY_PATH).</summary>
        public HistoryStore() : this(null) { }

        /// <summary>The store at <paramref name="path"/> (a file, or a folder to hold history.jsonl); null for the default.</summary>
        public HistoryStore(string? path)
        {
            Path = HistoryPaths.Resolve(path);
            Folder = System.IO.Path.GetDirectoryName(Path) ?? ".";
            _rotation = new HistoryRotation(Path);
        }

        /// <summary>The current history file.</summary>
        public string Path { get; }

        public string Folder { get; }

        /// <summary>Rotate when an append would take the current file past this size; 0 never rotates.</summary>
        public long MaxBytes { get; init; } = DefaultMaxBytes;

        /// <summary>Rotated files to keep; the oldest beyond this are deleted at rotation.</summary>
        public int MaxRotatedFiles { get; init; } = DefaultMaxRotatedFiles;

        /// <summary>How long an append waits for other writers before it fails.</summary>
        public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

        internal string LockPath => Path + ".lock";

        /// <summary>Appends one record.</summary>
        public void Append(PatchHistoryRecord record, CancellationToken cancellationToken = default)
        {
            if (record is null) throw new ArgumentNullException(nameof(record));
            AppendAll(new[] { record }, cancellationToken);
        }

        /// <summary>Appends records together: they land next to each other, in this order, or not at all.</summary>
        public void AppendAll(IEnumerable<PatchHistoryRecord> records, CancellationToken cancellationToken = default)
        {
            if (records is null) throw new ArgumentNullException(nameof(records));
            var text = new StringBuilder();
            foreach (var record in records) text.Append(PatchHistoryJson.ToLine(record)).Append('\n');
            if (text.Length == 0) return;
            byte[] lines = new UTF8Encoding(false).GetBytes(text.ToString());

            OwnerOnly.Folder(Folder);
            HistoryFileLock held;
            try { held = HistoryFileLock.Acquire(LockPath, LockTimeout, cancellationToken); }
            catch (TimeoutException e)
            {
                string kept = PendingRecords.Keep(Path, lines);
                throw new HistoryDeferredException($"{e.Message} The records are kept in '{kept}' and added to the history by its next write.", kept, e);
            }
            using (held)
            {
                OwnerOnly.File(LockPath);
                // Records an earlier append had to keep aside go first, in the order they were kept.
                var pending = PendingRecords.Find(Path);
                if (pending.Count > 0) lines = Concat(PendingRecords.Read(pending), lines);
                _rotation.RotateIfFull(lines.Length, MaxBytes, MaxRotatedFiles);
                using (var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite,
                    FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None))
                {
                    OwnerOnly.File(Path); // before the first byte: also tightens a file an older version made 0644
                    byte[] payload = EndsTorn(file) ? Concat(new[] { (byte)'\n' }, lines) : lines;
                    file.Seek(0, SeekOrigin.End);
                    // One write of whole lines, then to disk: a reader or a crash sees all of it or a torn tail.
                    file.Write(payload, 0, payload.Length);
                    file.Flush(true);
                }
                foreach (var path in pending) File.Delete(path);
            }
        }

        /// <summary>
        /// Records matching <paramref name="query"/>, newest first, read lazily. Damaged lines are skipped and
        /// reported through <paramref name="warning"/>; a store that does not exist yet has no records.
        /// </summary>
        public IEnumerable<PatchHistoryRecord> Read(HistoryQuery? query = null, Action<string>? warning = null, CancellationToken cancellationToken = default) =>
            HistoryReader.Read(this, query ?? new HistoryQuery(), honourLast: true, warning, cancellationToken);

        /// <summary>
        /// Per-run summaries of the records matching <paramref name="query"/>, the most recently ended run
        /// first; <see cref="HistoryQuery.Last"/> counts runs here, not records.
        /// </summary>
        public IReadOnlyList<PatchRunSummary> Summarize(HistoryQuery? query = null, Action<string>? warning = null, CancellationToken cancellationToken = default)
        {
            query ??= new HistoryQuery();
            var runs = RunSummaryBuilder.Summarize(HistoryReader.Read(this, query, honourLast: false, warning, cancellationToken));
            return query.Last is int last ? runs.Take(last).ToList() : runs;
        }

        /// <summary>The store's files that exist, newest first: the current file, then history.1, history.2...</summary>
        public IReadOnlyList<string> Files()
        {
            var files = new List<string>();
            if (File.Exists(Path)) files.Add(Path);
            files.AddRange(_rotation.Existing().Select(r => r.Path));
            return files;
        }

        private static bool EndsTorn(FileStream file)
        {
            if (file.Length == 0) return false;
            file.Seek(-1, SeekOrigin.End);
            return file.ReadByte() != '\n';
        }

        private static byte[] Concat(byte[] first, byte[] rest)
        {
            var all = new byte[first.Length + rest.Length];
            Buffer.BlockCopy(first, 0, all, 0, first.Length);
            Buffer.BlockCopy(rest, 0, all, first.Length, rest.Length);
            return all;
        }
    }
}
