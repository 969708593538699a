namespace SysVmPatch.Engine.Versions
{
    /// <summary>What Compare-SysVmVersion measures against, and how.</summary>
    public sealed class ComparisonRequest
    {
        /// <summary>A fixed target version; null: each VM's management server's version (listCapabilities).</summary>
        public string? TargetVersion { get; init; }
        /// <summary>A folder with cloud-scripts.tgz whose MD5 is the target signature.</summary>
        public string? BundlePath { get; init; }
        /// <summary>Reads each VM over SSH when set; null: the API's word only.</summary>
        public IVmProber? Prober { get; init; }
        /// <summary>How many VMs are probed at once.</summary>
        public int ThrottleLimit { get; init; } = 16;
    }
}
