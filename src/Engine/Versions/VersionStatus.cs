namespace SysVmPatch.Engine.Versions
{
    /// <summary>How a VM's software stands against the target.</summary>
    public enum VersionStatus
    {
        /// <summary>Its scripts signature (or, lacking one, its version) equals the target's.</summary>
        UpToDate,
        /// <summary>It runs older software than the target.</summary>
        Outdated,
        /// <summary>It runs a newer version than the target (a rollback of the management server, or a wrong target).</summary>
        Newer,
        /// <summary>Nothing comparable is known; probe the VM over SSH.</summary>
        Unknown,
    }

    /// <summary>What to do about a VM.</summary>
    public enum RecommendedAction
    {
        None,
        LivePatch,
        /// <summary>Destroy and recreate (restartNetwork cleanup=true for routers): the template is too old to live-patch.</summary>
        Recreate,
        /// <summary>Not enough is known to decide (template release or version UNKNOWN): run Compare-SysVmVersion -Probe.</summary>
        Probe,
    }
}
