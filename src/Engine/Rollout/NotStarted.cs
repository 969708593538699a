namespace SysVmPatch.Engine.Rollout
{
    /// <summary>Why an item of a rollout never started.</summary>
    public enum NotStartedReason
    {
        /// <summary>Ctrl+C (the rollout's token) before the item's turn.</summary>
        Cancelled,
        /// <summary>An earlier member of its group (the redundant partner) failed.</summary>
        PartnerFailed,
        /// <summary>More items failed than MaxFailures allows.</summary>
        Stopped,
    }

    /// <summary>The code and the sentence of an item that never started.</summary>
    public sealed record NotStarted(NotStartedReason Reason, string Message);
}
