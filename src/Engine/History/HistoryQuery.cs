using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Which history records to return. Every filter that is set must match (AND); within one filter any value
    /// may match (OR). VmId and RunId ignore case; VmName, Status and Zone are predicates the caller builds (the
    /// cmdlets from PowerShell's wildcards), so the engine has no pattern dialect of its own.
    /// </summary>
    public sealed class HistoryQuery
    {
        /// <summary>
        /// How far records may be out of time order in the file. Concurrent writers, or clocks of several
        /// machines sharing a store, append records slightly out of order, so a -Since scan going backwards
        /// stops only after passing records this much older than -Since.
        /// </summary>
        public static readonly TimeSpan OutOfOrderTolerance = TimeSpan.FromDays(1);

        private Compiled? _compiled;

        public Func<string, bool>? VmName { get; init; }
        public IReadOnlyList<string>? VmId { get; init; }
        public IReadOnlyList<PatchOperation>? Operation { get; init; }
        public Func<string, bool>? Status { get; init; }
        public IReadOnlyList<string>? RunId { get; init; }

        /// <summary>Records at or after this time.</summary>
        public DateTimeOffset? Since { get; init; }

        /// <summary>Records at or before this time.</summary>
        public DateTimeOffset? Until { get; init; }

        public Func<string, bool>? Zone { get; init; }

        /// <summary>At most this many records (the newest); with summaries, this many runs.</summary>
        public int? Last { get; init; }

        /// <summary>True when the record passes every filter (Last aside).</summary>
        public bool Matches(PatchHistoryRecord record)
        {
            if (record is null) throw new ArgumentNullException(nameof(record));
            if (!IsInTimeWindow(record.Time)) return false;
            if (Operation is { Count: > 0 } ops && !ops.Contains(record.Operation)) return false;
            return Passes(VmName, record.VmName)
                && AnyEqual(VmId, record.VmId)
                && AnyEqual(RunId, record.RunId)
                && Passes(Status, record.Status)
                && Passes(Zone, record.Zone);
        }

        /// <summary>
        /// A cheap test on the raw line before parsing it: false only when the line cannot match. Exact
        /// filters (RunId, VmId) must appear in the text; this makes a filtered scan of a large store fast.
        /// </summary>
        internal bool MayMatchLine(string line)
        {
            var c = Compile();
            return ContainsAny(line, c.PlainRunIds) && ContainsAny(line, c.PlainVmIds);
        }

        internal bool HasTimeWindow => Since.HasValue || Until.HasValue;

        internal bool IsInTimeWindow(DateTimeOffset time) =>
            !(Since is DateTimeOffset since && time < since) && !(Until is DateTimeOffset until && time > until);

        /// <summary>True once a backwards scan has gone so far back that nothing older can match.</summary>
        internal bool IsBeyondSince(DateTimeOffset time) =>
            Since is DateTimeOffset since && time < since - OutOfOrderTolerance;

        private Compiled Compile() => _compiled ??= new Compiled(this);

        // A missing value (a record without a zone) is tried as the empty text.
        private static bool Passes(Func<string, bool>? filter, string? value) => filter is null || filter(value ?? "");

        private static bool AnyEqual(IReadOnlyList<string>? values, string value) =>
            values is not { Count: > 0 } || values.Any(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase));

        private static bool ContainsAny(string line, string[]? needles)
        {
            if (needles is null) return true;
            foreach (var needle in needles)
            {
                if (line.IndexOf(needle, StringComparison.OrdinalIgnoreCase) >= 0) return true;
            }
            return false;
        }

        private sealed class Compiled
        {
            public Compiled(HistoryQuery q)
            {
                PlainRunIds = Plain(q.RunId);
                PlainVmIds = Plain(q.VmId);
            }

            public string[]? PlainRunIds { get; }
            public string[]? PlainVmIds { get; }

            // Only values the JSON writer copies verbatim can be looked for in the raw line.
            private static string[]? Plain(IReadOnlyList<string>? values) =>
                values is { Count: > 0 } && values.All(v => v.All(ch => ch >= 0x20 && ch != '"' && ch != '\\' && ch != '\u2028' && ch != '\u2029'))
                    ? values.ToArray()
                    : null;
        }
    }
}
