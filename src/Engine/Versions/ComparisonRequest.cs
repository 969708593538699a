using System;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>How far the probes are: <paramref name="Done"/> of <paramref name="Total"/> VMs, the last one named.</summary>
    public sealed record ComparisonProgress(int Done, int Total, string VmName);

    /// <summary>What Compare-SysVmVersion measures against, and how.</summary>
    public sealed record ComparisonRequest
    {
        /// <summary>A fixed target version; null: each VM's management server's version (listCapabilities).</summary>
        public string? TargetVersion { get; init; }
        /// <summary>A folder with cloud-scripts.tgz whose MD5 is the target signature.</summary>
        public string? BundlePath { get; init; }
        /// <summary>Reads each VM over SSH when set; null: the API's word only.</summary>
        public IVmProber? Prober { get; init; }
        /// <summary>Reads each probed VM's hypervisor host's cloudstack-common vms/ files when set (with the probe).</summary>
        public Reconcile.IHostBundleReader? HostFiles { get; init; }
        /// <summary>How many VMs are probed at once.</summary>
        public int ThrottleLimit { get; init; } = 16;
        /// <summary>Called from worker threads as each probe starts and ends (the cmdlet forwards it to -Verbose).</summary>
        public Action<string>? Verbose { get; init; }
        /// <summary>Called from worker threads after each probe (the cmdlet turns it into a progress bar).</summary>
        public Action<ComparisonProgress>? Progress { get; init; }
    }
}
