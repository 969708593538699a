using System;
using System.Globalization;

namespace SysVmPatch.Engine.LivePatch.OnVm
{
    /// <summary>
    /// How long each part of a patch may take, derived from AgentTimeout. On the VM the agent bounds every step
    /// that can hang (each service restart, each post-check, daemon-reload) by what is left of AgentTimeout, and a
    /// rollback by <see cref="Rollback"/> of its own; so the agent always ends, and the controller need only wait
    /// for <see cref="ControllerWait"/> after the payload's commit point.
    /// </summary>
    internal static class AgentLimits
    {
        /// <summary>Slack for the agent's start, the kill grace of a stopped step and the journal's last lines.</summary>
        public static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);

        /// <summary>A rollback's own limit: half of AgentTimeout, at least 15 s, at most 5 minutes.</summary>
        public static TimeSpan Rollback(TimeSpan agentTimeout)
        {
            var half = TimeSpan.FromTicks(agentTimeout.Ticks / 2);
            if (half < TimeSpan.FromSeconds(15)) return TimeSpan.FromSeconds(15);
            return half > TimeSpan.FromMinutes(5) ? TimeSpan.FromMinutes(5) : half;
        }

        /// <summary>The longest the controller waits for an outcome once the agent may have started.</summary>
        public static TimeSpan ControllerWait(TimeSpan agentTimeout) => Seconds(agentTimeout) + Rollback(agentTimeout) + Margin;

        /// <summary>The agent's params lines: TIMEOUT_SEC (the patch) and ROLLBACK_TIMEOUT_SEC.</summary>
        public static string Params(TimeSpan agentTimeout) =>
            "TIMEOUT_SEC=" + ((long)Seconds(agentTimeout).TotalSeconds).ToString(CultureInfo.InvariantCulture) + "\n" +
            "ROLLBACK_TIMEOUT_SEC=" + ((long)Rollback(agentTimeout).TotalSeconds).ToString(CultureInfo.InvariantCulture) + "\n";

        // Whole seconds, at least one: the agent counts in seconds.
        private static TimeSpan Seconds(TimeSpan t) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(t.TotalSeconds)));
    }
}
