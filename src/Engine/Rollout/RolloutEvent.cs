namespace SysVmPatch.Engine.Rollout
{
    public enum RolloutEventKind
    {
        BatchStarted,
        ItemStarted,
        ItemCompleted,
        BatchCompleted,
        /// <summary>The rollout stops early (MaxFailures or cancellation); <see cref="RolloutEvent.Message"/> says why.</summary>
        Stopped,
    }

    /// <summary>
    /// Progress of a rollout, raised on worker threads: a PowerShell caller queues it and writes it from the
    /// pipeline thread. <see cref="Completed"/>/<see cref="Total"/> count items over the whole rollout.
    /// </summary>
    public sealed record RolloutEvent(RolloutEventKind Kind, int Batch, int BatchCount, int Completed, int Total)
    {
        public string? ItemName { get; init; }
        public string? Message { get; init; }
    }
}
