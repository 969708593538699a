using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// The outcome the agent wrote on the VM, as the wait relays it between the outcome markers: the status it
    /// ended the VM with, its own word for the step that failed, and the signatures before and after.
    /// </summary>
    internal sealed record AgentOutcome(LivePatchStatus Status, string? Step, string? Error, string? FromSignature, string? ToSignature, string? DownBefore = null)
    {
        public static AgentOutcome Parse(string stdout)
        {
            var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
            int begin = lines.FindIndex(l => AgentProtocol.Is(l, AgentProtocol.OutcomeBegin));
            int end = lines.FindIndex(Math.Max(0, begin), l => AgentProtocol.Is(l, AgentProtocol.OutcomeEnd));
            var body = begin < 0 ? lines : lines.Skip(begin + 1).Take((end < 0 ? lines.Count : end) - begin - 1);
            var kv = RemoteCommands.KeyValues(string.Join("\n", body));
            string? Get(string k) => kv.TryGetValue(k, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
            string status = Get(AgentProtocol.OutcomeKey.Status) ?? "";
            // A status the agent never writes is no success: the VM needs a look.
            var parsed = AgentProtocol.ParseStatus(status) ?? LivePatchStatus.Failed;
            bool patched = parsed == LivePatchStatus.Patched;
            return new AgentOutcome(parsed,
                patched ? null : Get(AgentProtocol.OutcomeKey.Step),
                patched ? null : Get(AgentProtocol.OutcomeKey.Error) ?? (status.Length == 0 ? "no outcome" : parsed == LivePatchStatus.Failed && AgentProtocol.ParseStatus(status) == null ? $"unknown status '{status}'" : null),
                Get(AgentProtocol.OutcomeKey.FromSignature), Get(AgentProtocol.OutcomeKey.ToSignature), Get(AgentProtocol.OutcomeKey.DownBefore));
        }

        /// <summary>The text of a relayed journal line "&lt;epoch&gt; &lt;step&gt; &lt;status...&gt;", without its time.</summary>
        public static string JournalText(string line)
        {
            int sp = line.IndexOf(' ');
            return sp > 0 ? line.Substring(sp + 1) : line;
        }

        /// <summary>Enabled services that were already down before the patch (the agent left them as they were).</summary>
        public IReadOnlyList<string> DownBeforeServices =>
            (DownBefore ?? "").Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);

        /// <summary>The warning a result carries when an enabled service was down before the patch; null when none was.</summary>
        public string? DownBeforeWarning
        {
            get
            {
                var down = DownBeforeServices;
                if (down.Count == 0) return null;
                bool one = down.Count == 1;
                return $"enabled service{(one ? "" : "s")} {string.Join(", ", down)} {(one ? "was" : "were")} not running before the patch and {(one ? "was" : "were")} left stopped: check {(one ? "it" : "them")} on the VM";
            }
        }
    }
}
