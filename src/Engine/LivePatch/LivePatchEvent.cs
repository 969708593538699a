using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.LivePatch
{
    public enum LivePatchEventKind
    {
        /// <summary>Rollout/batch progress: <see cref="LivePatchEvent.Rollout"/> is set.</summary>
        Progress,
        /// <summary>One step on one VM (verbose): <see cref="LivePatchEvent.VmName"/> and <see cref="LivePatchEvent.Message"/>.</summary>
        Step,
        /// <summary>A VM finished: <see cref="LivePatchEvent.Result"/> is set.</summary>
        Result,
        Warning,
    }

    /// <summary>
    /// Raised on worker threads. The cmdlet queues these and writes progress, verbose, warnings and results from
    /// the pipeline thread.
    /// </summary>
    public sealed record LivePatchEvent(LivePatchEventKind Kind)
    {
        public RolloutEvent? Rollout { get; init; }
        public string? VmName { get; init; }
        public string? Message { get; init; }
        public LivePatchResult? Result { get; init; }
    }
}
