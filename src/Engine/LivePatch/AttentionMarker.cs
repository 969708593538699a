using System.Collections.Generic;
using SysVmPatch.Engine.LivePatch.OnVm;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The mark a VM carries after a rollback or a recovery that could not prove the old state (RollbackFailed):
    /// the file <see cref="Path"/> on the VM, written by the agent (run=, step=, error=, backup=, since=). The
    /// preflight reports its lines as attention_&lt;key&gt;=; every later run refuses the VM (even with -Force, which
    /// would back the mixed state up as "old"), and Compare-SysVmVersion -Probe shows it, until an operator
    /// restores the kept backup and clears the mark (<see cref="AttentionClearer"/>).
    /// </summary>
    internal sealed record AttentionMarker(string? Run, string? Error, string? Backup)
    {
        public const string Path = RemoteCommands.Base + "/attention";

        /// <summary>The mark from the preflight's key=value lines; null when the VM carries none.</summary>
        public static AttentionMarker? From(IReadOnlyDictionary<string, string> preflight)
        {
            if (!preflight.ContainsKey("attention")) return null;
            string? Get(string k) => preflight.TryGetValue("attention_" + k, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
            return new AttentionMarker(Get("run"), Get("error"), Get("backup"));
        }

        /// <summary>What happened, in one line: "run X ended RollbackFailed: error (backup kept in ...)".</summary>
        public string Describe() =>
            $"live patch run {Run ?? "?"} could not put the VM back ({Error ?? "no error recorded"}); its backup is kept in {Backup ?? "?"}";

        /// <summary>The refusal for a marked VM, naming the run, its kept backup and how to clear the mark.</summary>
        public string Refusal() =>
            $"this VM needs attention: {Describe()}. Nothing was changed. Restore that backup by hand, then clear the mark (Clear-SysVmAttention, which records it, or remove {Path} on the VM) to patch it again";
    }
}
