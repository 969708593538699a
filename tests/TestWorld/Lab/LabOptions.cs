using System;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>How a <see cref="Lab"/> is built; the defaults suit tests and `up`.</summary>
    public sealed class LabOptions
    {
        /// <summary>Where the lab mounts its tmpfs with keys, configs and every VM's disk. Must not be on overlayfs.</summary>
        public string RootDirectory { get; init; } = LabNames.DefaultRootDirectory;

        /// <summary>How many VMs (and key generations) are brought up at the same time.</summary>
        public int StartupParallelism { get; init; } = Math.Max(8, Environment.ProcessorCount * 4);

        /// <summary>How long one VM or host may take to have its sshd listening.</summary>
        public TimeSpan SshdStartTimeout { get; init; } = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Tear the world down on SIGINT/SIGTERM/SIGHUP and at process exit. The CLI turns this off and handles
        /// the signals itself, so that it can stop its other services first.
        /// </summary>
        public bool HandleTerminationSignals { get; init; } = true;

        /// <summary>
        /// The rate a VM's link is shaped to while a drop-after-bytes fault is set: slow enough that the drop lands
        /// in the middle of a transfer instead of after a local-speed copy has already finished.
        /// </summary>
        public string DropFaultLinkRate { get; init; } = "8mbit";

        /// <summary>
        /// How long <see cref="Lab.StartAsync"/> waits while another lab (another test run on this machine) holds the
        /// machine-wide lock; zero: fail at once.
        /// </summary>
        public TimeSpan LockWaitTimeout { get; init; } = TimeSpan.FromMinutes(10);

        /// <summary>
        /// One-way delay between the workstation (the lab's root namespace) and every host, each direction; zero: none.
        /// With <see cref="VmLinkDelay"/> this makes the lab a cloud behind a WAN, where round trips decide (see DelayRelay).
        /// </summary>
        public TimeSpan UplinkDelay { get; init; }

        /// <summary>One-way delay between each host and its VMs, each direction; zero: none.</summary>
        public TimeSpan VmLinkDelay { get; init; }

        /// <summary>Progress lines (phases and timings); null: silent.</summary>
        public Action<string>? Log { get; init; }
    }
}
