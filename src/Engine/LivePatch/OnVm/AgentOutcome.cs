using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>The outcome file an agent leaves (key=value lines), read strictly.</summary>
    internal sealed class AgentOutcome
    {
        private AgentOutcome(IReadOnlyDictionary<string, string> values) { Values = values; }

        public IReadOnlyDictionary<string, string> Values { get; }

        /// <summary>The status the agent wrote; Failed when it is missing or not one of the names the agent writes.</summary>
        public LivePatchStatus Status { get; private set; } = LivePatchStatus.Failed;
        /// <summary>The status text as written, when it did not name a status the agent writes.</summary>
        public string? UnknownStatus { get; private set; }

        public string? Get(string key) => Values.TryGetValue(key, out var v) && v.Trim().Length > 0 ? v.Trim() : null;

        /// <summary>Reads the lines after OUTCOME-BEGIN (or all of <paramref name="stdout"/> without it).</summary>
        public static AgentOutcome Parse(string stdout)
        {
            int begin = stdout.IndexOf("OUTCOME-BEGIN", StringComparison.Ordinal);
            var outcome = new AgentOutcome(RemoteCommands.KeyValues(begin >= 0 ? stdout.Substring(begin) : stdout));
            string status = outcome.Get("status") ?? "";
            if (TryParseStatus(status, out var parsed)) outcome.Status = parsed;
            else outcome.UnknownStatus = status;
            return outcome;
        }

        /// <summary>
        /// Only the exact names an agent writes count: Enum.TryParse alone would read "0" (or "3", "Patched,Failed")
        /// as a status, so a garbled outcome could pass for Patched.
        /// </summary>
        public static bool TryParseStatus(string? text, out LivePatchStatus status)
        {
            status = LivePatchStatus.Failed;
            if (string.IsNullOrEmpty(text)) return false;
            foreach (LivePatchStatus s in Enum.GetValues(typeof(LivePatchStatus)))
                if (string.Equals(s.ToString(), text, StringComparison.Ordinal)) { status = s; return true; }
            return false;
        }

        /// <summary>Enabled services that were already down before the patch (left as they were).</summary>
        public IReadOnlyList<string> DownBefore =>
            (Get("down_before") ?? "").Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).ToArray();

        /// <summary>The warning a result carries when an enabled service was down before the patch; null when none was.</summary>
        public string? DownBeforeWarning => DownBefore.Count == 0 ? null
            : $"enabled service{(DownBefore.Count == 1 ? "" : "s")} {string.Join(", ", DownBefore)} {(DownBefore.Count == 1 ? "was" : "were")} not running before the patch and {(DownBefore.Count == 1 ? "was" : "were")} left stopped: check {(DownBefore.Count == 1 ? "it" : "them")} on the VM";
    }
}
