using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace SysVmPatch.Engine.History
{
    /// <summary>Scans a store's snapshot newest first, file by file, block by block from the end.</summary>
    internal static class HistoryReader
    {
        public static IEnumerable<PatchHistoryRecord> Read(HistoryStore store, HistoryQuery query, bool honourLast,
            Action<string>? warning, CancellationToken cancellationToken)
        {
            int? last = honourLast ? query.Last : null;
            if (last is int n && n <= 0) yield break;

            var files = HistorySnapshot.Open(store, cancellationToken);
            try
            {
                int matched = 0;
                foreach (var file in files)
                {
                    foreach (var line in ReverseLineReader.Read(file.Stream, file.Length, cancellationToken))
                    {
                        if (line.IsTail)
                        {
                            if (line.Text.Length > 0)
                                warning?.Invoke(Format("{0}: skipped an incomplete last line ({1} characters) left by a write that did not finish.",
                                    file.Path, line.Text.Length));
                            continue;
                        }
                        if (string.IsNullOrWhiteSpace(line.Text)) continue;
                        if (query.HasTimeWindow && HistoryFields.TryPeekTime(line.Text, out var peeked))
                        {
                            if (query.IsBeyondSince(peeked)) yield break;
                            if (!query.IsInTimeWindow(peeked)) continue;
                        }
                        if (!query.MayMatchLine(line.Text)) continue;
                        if (!PatchHistoryJson.TryParse(line.Text, out var record, out var problem))
                        {
                            warning?.Invoke(Format("{0}: skipped a damaged line at byte {1}: {2}", file.Path, line.Offset, problem));
                            continue;
                        }
                        if (query.IsBeyondSince(record!.Time)) yield break;
                        if (!query.Matches(record!)) continue;
                        yield return record!;
                        if (last is int limit && ++matched >= limit) yield break;
                    }
                }
            }
            finally
            {
                foreach (var file in files) file.Stream.Dispose();
            }
        }

        private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
    }
}
