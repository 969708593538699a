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

        private static readonly TimeSpan ReaderLockTimeout = TimeSpan.FromSeconds(5);
        private readonly string _stem;
        private readonly string _extension;

        /// <summary>The store at the default place (or $SYSVMPATCH_HISTORY_PATH).</summary>
        public HistoryStore() : this(null) { }

        /// <summary>The store at <paramref name="path"/> (a file, or a folder to hold history.jsonl); null for the default.</summary>
        public HistoryStore(string? path)
        {
            Path = HistoryPaths.Resolve(path);
            Folder = System.IO.Path.GetDirectoryName(Path) ?? ".";
            _stem = System.IO.Path.GetFileNameWithoutExtension(Path);
            _extension = System.IO.Path.GetExtension(Path);
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
                RotateIfFull(lines.Length);
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
            files.AddRange(RotatedFiles().Select(r => r.Path));
            return files;
        }

        /// <summary>
        /// Opens every file of the store at one instant (under the writers' lock when it can be had, so no
        /// rotation is half done) and notes each length: the scan then sees a consistent snapshot while
        /// writers carry on.
        /// </summary>
        internal List<SnapshotFile> OpenSnapshot(CancellationToken cancellationToken)
        {
            var opened = new List<SnapshotFile>();
            if (!Directory.Exists(Folder)) return opened;
            HistoryFileLock? held = TryLockForReading(cancellationToken);
            try
            {
                foreach (var path in Files())
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

        private HistoryFileLock? TryLockForReading(CancellationToken cancellationToken)
        {
            try
            {
                return HistoryFileLock.Acquire(LockPath, ReaderLockTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException || ex is UnauthorizedAccessException || ex is IOException)
            {
                // A read-only share or a stuck writer: read without the lock rather than not at all.
                return null;
            }
        }

        private void RotateIfFull(int incoming)
        {
            if (MaxBytes <= 0) return;
            var current = new FileInfo(Path);
            if (!current.Exists || current.Length == 0 || current.Length + incoming <= MaxBytes) return;

            try
            {
                // Oldest first, so each move lands on a name that is already free; gaps a crash left are harmless.
                foreach (var (number, path) in RotatedFiles().OrderByDescending(r => r.Number))
                {
                    if (number >= MaxRotatedFiles) File.Delete(path);
                    else File.Move(path, RotatedPath(number + 1));
                }
                if (MaxRotatedFiles > 0) File.Move(Path, RotatedPath(1));
                else File.Delete(Path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Some other program holds a file without sharing delete (an editor on Windows). The record
                // matters more than the size limit: append to the current file and rotate next time. Moves
                // made so far only leave a gap in the numbering, which readers step over.
            }
        }

        private string RotatedPath(int number) =>
            System.IO.Path.Combine(Folder, _stem + "." + number.ToString(CultureInfo.InvariantCulture) + _extension);

        /// <summary>Rotated files that exist, by number ascending (newest first).</summary>
        private List<(int Number, string Path)> RotatedFiles()
        {
            var found = new List<(int, string)>();
            if (!Directory.Exists(Folder)) return found;
            foreach (var path in Directory.EnumerateFiles(Folder, _stem + ".*" + _extension))
            {
                string name = System.IO.Path.GetFileName(path);
                int middle = name.Length - _stem.Length - 1 - _extension.Length;
                if (middle <= 0 || !name.EndsWith(_extension, StringComparison.Ordinal)) continue;
                string digits = name.Substring(_stem.Length + 1, middle);
                if (digits.All(c => c >= '0' && c <= '9')
                    && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0)
                    found.Add((number, path));
            }
            found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            return found;
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

    /// <summary>One file of a read snapshot: open, with the length it had when the snapshot was taken.</summary>
    internal sealed class SnapshotFile
    {
        public SnapshotFile(string path, FileStream stream, long length)
        {
            Path = path;
            Stream = stream;
            Length = length;
        }

        public string Path { get; }
        public FileStream Stream { get; }
        public long Length { get; }
    }
}
