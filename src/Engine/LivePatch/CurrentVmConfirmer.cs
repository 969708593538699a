using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The plan calls a VM AlreadyCurrent from CloudStack's record of its signature alone. Only the VM can say so: a
    /// VM whose last live patch failed (a kept backup, the attention mark, an interrupted run) may show the new
    /// signature and still be in no known state. So each such VM gets the preflight (one SSH command, no change):
    /// a marked VM is Failed at Attention, one whose own signature differs (or whose last run was interrupted) is
    /// Skipped as NotCurrent, and one that cannot be asked stays AlreadyCurrent with a warning saying so. It is not
    /// patched here either way: the plan, what -WhatIf showed and -Confirm asked, did not include it.
    /// </summary>
    internal static class CurrentVmConfirmer
    {
        public static async Task<IReadOnlyList<LivePatchResult>> ConfirmAllAsync(VmPatcher patcher, IReadOnlyList<(Inventory.SystemVm Vm, LivePatchResult Planned)> vms,
            int parallel, CancellationToken cancellationToken)
        {
            using var gate = new SemaphoreSlim(Math.Max(1, parallel));
            var tasks = vms.Select(async v =>
            {
                await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try { return await ConfirmAsync(patcher, v.Vm, v.Planned, cancellationToken).ConfigureAwait(false); }
                finally { gate.Release(); }
            }).ToList();
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        private static async Task<LivePatchResult> ConfirmAsync(VmPatcher patcher, Inventory.SystemVm vm, LivePatchResult planned, CancellationToken cancellationToken)
        {
            var prepared = await patcher.PrepareAsync(vm, cancellationToken).ConfigureAwait(false);
            try
            {
                var verdict = prepared.Verdict;
                var seen = prepared.Record.End(verdict ?? new PatchVerdict(LivePatchStatus.Skipped, PatchStep.NotCurrent, null));
                var confirmed = planned with
                {
                    Steps = planned.Steps.Concat(seen.Steps).ToArray(), PreviousRun = seen.PreviousRun,
                    Warnings = seen.Warnings.ToArray(), ToSignature = seen.ToSignature ?? planned.ToSignature,
                };
                switch (verdict)
                {
                    case { Status: LivePatchStatus.AlreadyCurrent }:
                        return confirmed;
                    case { Step: PatchStep.Attention }:
                        return confirmed with { Status = verdict.Status, FailedStep = nameof(PatchStep.Attention), Error = verdict.Error };
                    case PatchVerdict other:
                        // Unreachable, busy, still booting: nothing says its last patch failed; CloudStack's word stands, flagged.
                        return confirmed with { Warnings = confirmed.Warnings.Concat(new[] { $"AlreadyCurrent per CloudStack's record only: the VM could not confirm it ({other.Step}: {other.Error})" }).ToArray() };
                    default:
                        return confirmed with { Status = LivePatchStatus.Skipped, FailedStep = nameof(PatchStep.NotCurrent),
                            Error = $"CloudStack records the bundle's signature, but the VM runs {prepared.Preflight?.Signature ?? "none"}" +
                                    (prepared.Preflight?.InterruptedRun is string run ? $" and run {run} was interrupted there" : "") +
                                    "; not patched in this run (the plan did not include it): run again forcing the patch", Remedy = Errors.EngineOption.Force };
                }
            }
            finally { await prepared.CloseAsync().ConfigureAwait(false); }
        }
    }
}
