using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>The exit codes of the commands a patch sends (RemoteCommands), each with what it means.</summary>
    internal enum RemoteExit
    {
        /// <summary>The agent ended; its outcome follows between <see cref="AgentProtocol.OutcomeBegin"/> and <see cref="AgentProtocol.OutcomeEnd"/>.</summary>
        Outcome = 0,
        /// <summary>A staged file failed its checksum, or checksums.md5 never arrived; nothing was used.</summary>
        VerifyFailed = 10,
        /// <summary>Another live run holds the VM's lock.</summary>
        Locked = 11,
        /// <summary>The agent is gone without an outcome (killed with the VM).</summary>
        AgentGone = 12,
        /// <summary>The upload broke off (tar failed, no stage directory).</summary>
        UploadBroken = 13,
        /// <summary>The agent never started (no journal, the lock not this run's).</summary>
        NotStarted = 14,
        /// <summary>One of the operator's pre-checks failed; <see cref="AgentProtocol.PreCheckFailed"/> names which.</summary>
        PreCheckFailed = 20,
    }

    /// <summary>
    /// The protocol the commands on a VM and the controller share, defined once: exit codes, the marker lines the
    /// commands print, and the keys of the outcome the agent writes (OnVm/agent.sh, Rollback/rollback.sh). The
    /// commands are built from these constants; the scripts keep their own text and a test checks it against them.
    /// </summary>
    internal static class AgentProtocol
    {
        // Marker lines, each alone or followed by a space and a detail.
        public const string Uploaded = "UPLOADED";
        public const string Verified = "VERIFIED";
        public const string VerifyFailed = "VERIFY-FAILED";
        public const string UploadBroken = "UPLOAD-BROKEN";
        public const string Locked = "LOCKED";
        public const string StaleLock = "STALE-LOCK";
        public const string Started = "STARTED";
        public const string AgentGone = "AGENT-GONE";
        public const string NotStarted = "NOT-STARTED";
        public const string OutcomeBegin = "OUTCOME-BEGIN";
        public const string OutcomeEnd = "OUTCOME-END";
        /// <summary>A journal line of the agent, relayed while the controller waits: "J &lt;epoch&gt; &lt;step&gt; &lt;text&gt;".</summary>
        public const string Journal = "J";
        public const string PreCheckFailed = "PRECHECK-FAILED";
        public const string PreChecksOk = "PRECHECKS-OK";

        /// <summary>The keys of the outcome file the agent (finish) and its recovery write.</summary>
        public static class OutcomeKey
        {
            public const string Run = "run";
            public const string Status = "status";
            public const string Step = "step";
            public const string Error = "error";
            public const string FromSignature = "from_sig";
            public const string ToSignature = "to_sig";
            /// <summary>Enabled services that were not running before the patch (space-separated; the agent leaves them so).</summary>
            public const string DownBefore = "down_before";
        }

        /// <summary>The statuses the agent may write: the <see cref="LivePatchStatus"/> names it ends a VM with.</summary>
        public static readonly IReadOnlyList<LivePatchStatus> AgentStatuses = new[]
        {
            LivePatchStatus.Patched, LivePatchStatus.RolledBack, LivePatchStatus.RollbackFailed, LivePatchStatus.Failed,
        };

        /// <summary>The exit code as the shell writes it.</summary>
        public static string Code(RemoteExit exit) => ((int)exit).ToString(CultureInfo.InvariantCulture);

        /// <summary>Whether <paramref name="line"/> is the marker, alone or with a detail after a space.</summary>
        public static bool Is(string line, string marker) =>
            line.StartsWith(marker, StringComparison.Ordinal) && (line.Length == marker.Length || line[marker.Length] == ' ');

        /// <summary>The detail after the marker ("" when the marker stands alone), or null when the line is another.</summary>
        public static string? Detail(string line, string marker) => Is(line, marker) ? line.Substring(marker.Length).Trim() : null;

        /// <summary>The detail of the first line in <paramref name="text"/> carrying the marker, or null.</summary>
        public static string? FirstDetail(string text, string marker) =>
            text.Split('\n').Select(l => Detail(l.TrimEnd('\r'), marker)).FirstOrDefault(d => d != null);

        /// <summary>
        /// An agent status by name only: a number or an unknown word is no status (Enum.TryParse would read "0" as
        /// Patched).
        /// </summary>
        public static LivePatchStatus? ParseStatus(string? text)
        {
            foreach (var s in AgentStatuses)
                if (string.Equals(text, s.ToString(), StringComparison.Ordinal)) return s;
            return null;
        }
    }
}
