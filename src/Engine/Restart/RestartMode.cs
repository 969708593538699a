namespace SysVmPatch.Engine.Restart
{
    /// <summary>How Restart-SysVm restarts a VM.</summary>
    public enum RestartMode
    {
        /// <summary>rebootSystemVm / rebootRouter.</summary>
        Reboot,
        /// <summary>stopSystemVm then startSystemVm (stopRouter then startRouter), what cloudstack-sysvmadm does for SSVM/CPVM.</summary>
        StopStart,
        /// <summary>
        /// Destroy and let CloudStack build it anew from the current template: destroySystemVm for SSVM/CPVM
        /// (CloudStack recreates them), restartNetwork/restartVPC with cleanup=true for routers.
        /// </summary>
        Recreate,
        /// <summary>Restart the services in /var/cache/cloud/enabled_svcs over SSH; no reboot.</summary>
        Services,
    }

    /// <summary>How a restart ended.</summary>
    public enum RestartStatus
    {
        Restarted,
        /// <summary>The API call or its async job failed, or the VM came back broken.</summary>
        Failed,
        /// <summary>The job ended but the VM was not Running (agent Up) within -Timeout.</summary>
        TimedOut,
        /// <summary>
        /// The request was sent once and its answer was lost, and CloudStack's job list did not tell whether it ran:
        /// it is not sent again; look at the VM before repeating.
        /// </summary>
        MayHaveRun,
        /// <summary>Not attempted: its reason says why (another VM of the same network was recreated, the run was stopped, ...).</summary>
        Skipped,
    }
}
