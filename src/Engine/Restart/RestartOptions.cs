using System;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>What one Restart-SysVm run does to each VM, and how the run is paced.</summary>
    public sealed record RestartOptions
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
        /// <summary>Batches, throttle, failure limit and pause of the rolling restart.</summary>
        public RolloutOptions Rollout { get; init; } = new RolloutOptions();
        /// <summary>The run's id in the history; null: the plan makes a new one.</summary>
        public string? RunId { get; init; }
    }
}
