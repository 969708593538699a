using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Reconcile;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>One VM's record of a live-patch rollout.</summary>
    public sealed record LivePatchResult
    {
        public string VmId { get; init; } = "";
        public string VmName { get; init; } = "";
        public SystemVmType VmType { get; init; }
        public string? Zone { get; init; }
        public string Server { get; init; } = "";
        public string RunId { get; init; } = "";
        /// <summary>Template release the VM runs (unchanged by a live patch).</summary>
        public string? FromVersion { get; init; }
        /// <summary>The bundle's release when known.</summary>
        public string? ToVersion { get; init; }
        public string? FromSignature { get; init; }
        /// <summary>The signature the VM ends on (the old one after a rollback).</summary>
        public string? ToSignature { get; init; }
        public LivePatchStatus Status { get; init; }
        /// <summary>The step that failed, or the reason a VM was skipped (Recreate, Cancelled, ...).</summary>
        public string? FailedStep { get; init; }
        public string? Error { get; init; }
        /// <summary>The setting that would fix the failure, when the error names one; the cmdlets name its parameter.</summary>
        public Errors.EngineOption? Remedy { get; init; }
        public TimeSpan Duration { get; init; }
        /// <summary>What happened, in order ("preflight ok", "backup ok", "restart haproxy", ...).</summary>
        public IReadOnlyList<string> Steps { get; init; } = Array.Empty<string>();
        /// <summary>1-based batch; 0 when the VM was not in any batch (decided at planning).</summary>
        public int Batch { get; init; }
        /// <summary>What the previous run on this VM left there (its outcome, or that it never finished): how a run whose controller died gets reported.</summary>
        public string? PreviousRun { get; init; }
        public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
        /// <summary>The hash of the saved plan this run applied (New-LivePatchPlan), or null.</summary>
        public string? PlanHash { get; init; }
        /// <summary>Whether CloudStack's records of the VM agree with it after this run (-Reconcile), and <see cref="ReconcileMessage"/> why.</summary>
        public ReconcileOutcome Reconcile { get; init; }
        public string? ReconcileMessage { get; init; }

        /// <summary>
        /// The one place a result starts from: the VM's facts as CloudStack gave them, nothing attempted yet. Every
        /// other result is this one <c>with</c> what happened.
        /// </summary>
        public static LivePatchResult For(SystemVm vm, string runId, string? toVersion) => new LivePatchResult
        {
            VmId = vm.Id, VmName = vm.Name, VmType = vm.Type, Zone = vm.ZoneName, Server = vm.Server, RunId = runId,
            FromVersion = Versions.CloudStackVersion.ParseOrNull(vm.BestRelease)?.ToString(), ToVersion = toVersion,
            FromSignature = vm.BestSignature, ToSignature = vm.BestSignature, Status = LivePatchStatus.Skipped,
        };

        /// <summary>This result ended with <paramref name="verdict"/>, its code shown as <see cref="FailedStep"/>.</summary>
        public LivePatchResult With(PatchVerdict verdict) =>
            this with { Status = verdict.Status, FailedStep = verdict.Step?.ToString(), Error = verdict.Error, Remedy = verdict.Remedy };

        /// <summary>This VM's failure as a typed error (its id by status), or null when it did not fail.</summary>
        public Errors.VmFailedException? ToError() => Status switch
        {
            LivePatchStatus.RolledBack => Failure("PatchRolledBack", Errors.EngineErrorKind.OperationStopped),
            LivePatchStatus.RollbackFailed => Failure("RollbackFailed", Errors.EngineErrorKind.InvalidResult),
            LivePatchStatus.Failed => Failure("PatchFailed", Errors.EngineErrorKind.OperationStopped),
            _ => null,
        };

        private Errors.VmFailedException Failure(string id, Errors.EngineErrorKind kind) =>
            new Errors.VmFailedException(id, kind, $"{VmName}: {Status} at {FailedStep}: {Error}", this) { Remedy = Remedy };

        public bool IsFailure => Status == LivePatchStatus.Failed || Status == LivePatchStatus.RolledBack || Status == LivePatchStatus.RollbackFailed;

        /// <summary>
        /// The audit records of this VM's live patch: the patch itself and, when it was rolled back, the rollback
        /// as its own action, so Get-PatchHistory -Operation Rollback finds every one.
        /// </summary>
        public System.Collections.Generic.IReadOnlyList<History.PatchHistoryRecord> ToHistory()
        {
            var patch = new History.PatchHistoryRecord
            {
                Operation = History.PatchOperation.LivePatch,
                RunId = RunId, VmId = VmId, VmName = VmName, VmType = VmType, Zone = Zone, Server = Server,
                FromVersion = FromVersion, ToVersion = ToVersion, FromSignature = FromSignature, ToSignature = ToSignature,
                Status = Status.ToString(), FailedStep = FailedStep, Error = Error, Duration = Duration, Steps = Steps,
                PlanHash = PlanHash,
            };
            if (Status != LivePatchStatus.RolledBack && Status != LivePatchStatus.RollbackFailed) return new[] { patch };
            var rollback = patch with
            {
                Id = System.Guid.NewGuid().ToString(),
                Operation = History.PatchOperation.Rollback,
                ToVersion = FromVersion,
                ToSignature = Status == LivePatchStatus.RolledBack ? FromSignature : ToSignature,
                Status = Status == LivePatchStatus.RolledBack ? "RolledBack" : "RollbackFailed",
            };
            return new[] { patch, rollback };
        }
    }
}
