using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.History
{
    /// <summary>Folds records into per-run summaries without keeping the records, so a large store costs little memory.</summary>
    public sealed class RunSummaryBuilder
    {
        private readonly Dictionary<string, Run> _runs = new Dictionary<string, Run>(StringComparer.OrdinalIgnoreCase);

        public void Add(PatchHistoryRecord record)
        {
            if (record is null) throw new ArgumentNullException(nameof(record));
            if (!_runs.TryGetValue(record.RunId, out var run))
            {
                run = new Run(record.RunId);
                _runs.Add(record.RunId, run);
            }
            run.Add(record);
        }

        /// <summary>The runs seen so far, the most recently ended first.</summary>
        public IReadOnlyList<PatchRunSummary> Build() =>
            _runs.Values.Select(r => r.ToSummary()).OrderByDescending(s => s.End).ThenBy(s => s.RunId, StringComparer.Ordinal).ToList();

        /// <summary>Summaries of <paramref name="records"/>, the most recently ended run first.</summary>
        public static IReadOnlyList<PatchRunSummary> Summarize(IEnumerable<PatchHistoryRecord> records)
        {
            var builder = new RunSummaryBuilder();
            foreach (var r in records) builder.Add(r);
            return builder.Build();
        }

        private sealed class Run
        {
            private readonly string _runId;
            private readonly List<PatchOperation> _operations = new List<PatchOperation>();
            private readonly Dictionary<string, int> _counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            private readonly List<string> _vmNames = new List<string>();
            private readonly HashSet<string> _vmSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            private readonly List<string> _operators = new List<string>();
            private DateTimeOffset _start = DateTimeOffset.MaxValue;
            private DateTimeOffset _end = DateTimeOffset.MinValue;
            private int _total;

            public Run(string runId) { _runId = runId; }

            public void Add(PatchHistoryRecord r)
            {
                _total++;
                var began = r.Time - r.Duration;
                if (began < _start) _start = began;
                if (r.Time > _end) _end = r.Time;
                if (!_operations.Contains(r.Operation)) _operations.Add(r.Operation);
                _counts.TryGetValue(r.Status, out int n);
                _counts[r.Status] = n + 1;
                if (_vmSeen.Add(r.VmName)) _vmNames.Add(r.VmName);
                if (!_operators.Contains(r.Operator, StringComparer.OrdinalIgnoreCase)) _operators.Add(r.Operator);
            }

            public PatchRunSummary ToSummary()
            {
                // Records arrive newest first; names and operations read better in the order things happened.
                var names = _vmNames.AsEnumerable().Reverse().ToList();
                var operations = string.Join(", ", _operations.AsEnumerable().Reverse());
                return new PatchRunSummary(_runId, operations, _start, _end, _total,
                    new Dictionary<string, int>(_counts, StringComparer.OrdinalIgnoreCase), names,
                    string.Join(", ", _operators));
            }
        }
    }
}
