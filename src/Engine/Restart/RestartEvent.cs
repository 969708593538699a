using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>
    /// What a restart run reports as it goes, on worker threads: progress (<see cref="Rollout"/>) or one VM's
    /// result (<see cref="Result"/>). The cmdlet queues these and writes them from the pipeline thread.
    /// </summary>
    public sealed record RestartEvent
    {
        public RolloutEvent? Rollout { get; init; }
        public RestartResult? Result { get; init; }
    }
}
