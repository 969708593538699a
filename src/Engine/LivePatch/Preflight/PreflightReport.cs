using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>What the preflight command read on a VM.</summary>
    internal sealed record PreflightReport
    {
        public bool BootFinished { get; init; }
        public string? ReleaseLine { get; init; }
        public CloudStackVersion? Release { get; init; }
        public string? Signature { get; init; }
        /// <summary>cmdline type: secstorage, consoleproxy, router, vpcrouter.</summary>
        public string? CmdlineType { get; init; }
        public string? Services { get; init; }
        public long? FreeKb { get; init; }
        public long SystemVmKb { get; init; }
        public string? LockOwner { get; init; }
        public bool LockAlive { get; init; }
        public string? LastRun { get; init; }
        public IReadOnlyDictionary<string, string>? LastOutcome { get; init; }
        public string? LastJournal { get; init; }
        /// <summary>A run with a complete backup and no outcome: its agent died mid-patch (meaningful when no lock is alive).</summary>
        public string? InterruptedRun { get; init; }
        /// <summary>The VM is marked as needing attention (a failed rollback or recovery); null when not.</summary>
        public AttentionMarker? Attention { get; init; }

        public static PreflightReport Parse(string stdout)
        {
            var kv = RemoteCommands.KeyValues(stdout);
            string? Get(string k) => kv.TryGetValue(k, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
            long? Long(string k) => long.TryParse(Get(k), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n : null;
            Dictionary<string, string>? last = null;
            if (Get("last_outcome") is string outcome)
            {
                last = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var part in outcome.Split(';'))
                {
                    int eq = part.IndexOf('=');
                    if (eq > 0) last[part.Substring(0, eq)] = part.Substring(eq + 1);
                }
            }
            return new PreflightReport
            {
                BootFinished = Get("boot_done") == "1",
                ReleaseLine = Get("release"),
                Release = CloudStackVersion.ParseOrNull(Get("release")),
                Signature = Get("signature"),
                CmdlineType = Get("type"),
                Services = Get("services"),
                FreeKb = Long("free_kb"),
                SystemVmKb = Long("systemvm_kb") ?? 0,
                LockOwner = Get("lock_owner"),
                LockAlive = Get("lock_alive") == "1",
                LastRun = Get("last_run"),
                LastOutcome = last,
                LastJournal = Get("last_journal"),
                InterruptedRun = Get("interrupted_run"),
                Attention = AttentionMarker.From(kv),
            };
        }

        public bool IsAgentVm => CmdlineType == "secstorage" || CmdlineType == "consoleproxy";
    }
}
