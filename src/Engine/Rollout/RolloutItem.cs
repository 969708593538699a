namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// One unit of a rollout. Items sharing a <see cref="GroupKey"/> (a redundant router pair) never run in the
    /// same batch and run in ascending <see cref="OrderInGroup"/> (BACKUP 0 before PRIMARY 1); when one fails,
    /// the later ones of its group are not started.
    /// </summary>
    public sealed record RolloutItem<T>(T Value, string Name)
    {
        public string? GroupKey { get; init; }
        public int OrderInGroup { get; init; }
    }
}
