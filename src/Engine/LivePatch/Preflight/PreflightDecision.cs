using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// What a VM's preflight alone decides, as a value: refuse (lock, boot, support, disk), already current, or go
    /// on; with what was learnt on the way (the VM's release and signature, the previous run) and the steps and
    /// warnings to report. Pure: no connection, no clock, so every branch is tested without a VM.
    /// </summary>
    internal sealed record PreflightDecision(PatchVerdict? Verdict, string? FromVersion, string? FromSignature, string? PreviousRun,
        IReadOnlyList<string> Steps, IReadOnlyList<string> Warnings)
    {
        public static PreflightDecision Decide(PreflightReport pre, PatchBundle bundle, bool force, string runId)
        {
            var steps = new List<string>();
            var warnings = new List<string>();
            string? previous = DescribePreviousRun(pre, runId);
            if (previous != null) steps.Add("previous " + previous);
            PreflightDecision With(PatchVerdict? verdict) =>
                new PreflightDecision(verdict, pre.Release?.ToString(), pre.Signature, previous, steps, warnings);

            if (pre.LockOwner != null && pre.LockAlive)
                return With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Lock, $"another live patch is running on this VM ({pre.LockOwner.Trim()}); refused"));
            // Before "already current" and whatever force says: a VM a rollback could not restore is in no known state.
            if (pre.Attention != null) return With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Attention, pre.Attention.Refusal()));
            if (!pre.BootFinished)
                return With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Preflight, "the VM has not finished booting (/var/cache/cloud/boot_up_done is missing)"));
            var support = LivePatchSupport.For(pre.Release);
            if (support.Supported == false)
                return With(new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Recreate, "Recreate: " + support.Reason));
            // 4.14: supported with a caveat the operator must hear about.
            if (pre.Release is { Major: 4, Minor: 14 }) warnings.Add(support.Reason);
            // An interrupted run may have written the new signature without restarting or validating anything:
            // the signature proves nothing then, and the agent restores that run's backup before patching.
            bool interrupted = pre.InterruptedRun != null;
            if (interrupted)
            {
                warnings.Add($"run {pre.InterruptedRun} was interrupted mid-patch on this VM; its backup is restored before patching");
                steps.Add($"preflight: run {pre.InterruptedRun} was interrupted; the agent restores its backup first");
            }
            if (!force && !interrupted && string.Equals(pre.Signature, bundle.Signature, StringComparison.OrdinalIgnoreCase))
            {
                steps.Add("preflight: already at " + bundle.Signature);
                return With(new PatchVerdict(LivePatchStatus.AlreadyCurrent, null, null));
            }
            if (string.IsNullOrEmpty(pre.CmdlineType))
                return With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Preflight, "cannot tell the VM's type (no type= in /var/cache/cloud/cmdline)"));

            bool agentVm = pre.IsAgentVm;
            long stageBytes = bundle.ScriptsBytes + (agentVm ? bundle.AgentZipBytes + bundle.Extras.StagedBytes : 0) + 64 * 1024;
            // A new JRE is unpacked beside the old, which is backed up whole: about twice its unpacked size (the old
            // one is taken to be as large as the new). The trust store's backup is small against the 1 MiB slack.
            long jreBytes = agentVm ? 2 * bundle.Extras.JreUnpackedBytes : 0;
            long needBytes = stageBytes + bundle.ScriptsUnpackedBytes + (agentVm ? bundle.AgentZipUnpackedBytes + pre.SystemVmKb * 1024 : 0) + jreBytes + 1024 * 1024;
            if (pre.FreeKb is long freeKb && freeKb * 1024 < needBytes)
                return With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Preflight,
                    $"not enough free disk on /var/cache/cloud: the payload and the backup need {Mib(needBytes)} MiB, {Mib(freeKb * 1024)} MiB free; nothing was uploaded"));
            steps.Add($"preflight ok: {pre.ReleaseLine ?? "release unknown"}, signature {pre.Signature ?? "none"}, type {pre.CmdlineType}, {Mib((pre.FreeKb ?? 0) * 1024)} MiB free");
            return With(null);
        }

        // What the previous run on this VM left there, so a run whose controller died still gets reported.
        private static string? DescribePreviousRun(PreflightReport pre, string runId)
        {
            if (pre.LastRun == null || pre.LastRun == runId) return null;
            if (pre.LastOutcome != null)
            {
                pre.LastOutcome.TryGetValue(AgentProtocol.OutcomeKey.Status, out var status);
                pre.LastOutcome.TryGetValue(AgentProtocol.OutcomeKey.Step, out var step);
                pre.LastOutcome.TryGetValue(AgentProtocol.OutcomeKey.Error, out var error);
                return $"run {pre.LastRun}: {status}" + (status == nameof(LivePatchStatus.Patched) ? "" : $" at {step}: {error}");
            }
            return pre.LockAlive ? $"run {pre.LastRun}: still running" : $"run {pre.LastRun}: ended without an outcome (last journal line: {pre.LastJournal ?? "none"})";
        }

        internal static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture);
    }
}
