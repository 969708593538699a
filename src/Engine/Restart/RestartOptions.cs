using System;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>What one Restart-SysVm run does to each VM.</summary>
    public sealed class RestartOptions
    {
        public RestartMode Mode { get; init; } = RestartMode.Reboot;
        /// <summary>Passes forced=true to stop/reboot (CloudStack's forced stop).</summary>
        public bool Forced { get; init; }
        /// <summary>Wait until the VM is Running again (and its agent Up for SSVM/CPVM).</summary>
        public bool Wait { get; init; }
        /// <summary>Longest wait for a VM to come back once its job ended.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
        /// <summary>First pause between state polls; doubles up to <see cref="MaxPollInterval"/>.</summary>
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(10);
    }
}
