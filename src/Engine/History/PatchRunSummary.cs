using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.History
{
    /// <summary>One run (one cmdlet invocation over many VMs) in a few numbers: what, when, how long, how it went.</summary>
    public sealed class PatchRunSummary
    {
        internal PatchRunSummary(string runId, string operation, DateTimeOffset start, DateTimeOffset end, int total,
            IReadOnlyDictionary<string, int> counts, IReadOnlyList<string> vmNames, string operators)
        {
            RunId = runId;
            Operation = operation;
            Start = start;
            End = end;
            Total = total;
            Counts = counts;
            VmNames = vmNames;
            Operator = operators;
        }

        public string RunId { get; }

        /// <summary>The operation, or several joined by ", " when the run recorded more than one kind.</summary>
        public string Operation { get; }

        /// <summary>When the earliest VM's operation began (its record's time minus its duration).</summary>
        public DateTimeOffset Start { get; }

        /// <summary>When the last VM's operation ended.</summary>
        public DateTimeOffset End { get; }

        /// <summary>Wall-clock time of the run, <see cref="End"/> minus <see cref="Start"/>.</summary>
        public TimeSpan Duration => End - Start;

        /// <summary>Records in the run.</summary>
        public int Total { get; }

        /// <summary>Records per status.</summary>
        public IReadOnlyDictionary<string, int> Counts { get; }

        /// <summary><see cref="Counts"/> as one string, most frequent first ("Patched 10, RolledBack 1").</summary>
        public string StatusText =>
            string.Join(", ", Counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => p.Key + " " + p.Value));

        /// <summary>The VMs the run touched, by name, each once.</summary>
        public IReadOnlyList<string> VmNames { get; }

        public int VmCount => VmNames.Count;

        /// <summary>Who ran it (several joined by ", " if a run id was reused).</summary>
        public string Operator { get; }

        public override string ToString() => $"{RunId} {Operation} {StatusText}";
    }
}
