using System;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>How a rollout is paced.</summary>
    public sealed record RolloutOptions
    {
        /// <summary>Items per batch; a batch finishes before the next starts.</summary>
        public int BatchSize { get; init; } = 10;
        /// <summary>Items running at once within a batch; null: the whole batch.</summary>
        public int? ThrottleLimit { get; init; }
        /// <summary>Failures tolerated: once more than this many items failed, no further batch starts. Null: no limit.</summary>
        public int? MaxFailures { get; init; }
        /// <summary>Pause between batches.</summary>
        public TimeSpan Delay { get; init; } = TimeSpan.Zero;
    }
}
