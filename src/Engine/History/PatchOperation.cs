namespace SysVmPatch.Engine.History
{
    /// <summary>The state-changing action a history record describes.</summary>
    public enum PatchOperation
    {
        /// <summary>Not set; a record written with this value came from a caller that forgot to say.</summary>
        Unknown = 0,
        /// <summary>Live patch over SSH (copy, checksum, backup, install, restart services, validate).</summary>
        LivePatch,
        /// <summary>Restoring the backup taken before a live patch.</summary>
        Rollback,
        /// <summary>Restart of a system VM or router the legacy way (reboot through the API).</summary>
        Restart,
        /// <summary>Destroy and recreate of a system VM or router so it picks up the current template.</summary>
        Recreate,
        /// <summary>A shell command run on the VM over SSH (a fleet command): the command text and its exit code.</summary>
        Command,
        /// <summary>An interactive shell opened on the VM over SSH: who, when, for how long and its exit code.</summary>
        Shell,
        /// <summary>An operator cleared the attention mark a failed rollback left on a VM (Clear-SysVmAttention).</summary>
        ClearAttention,
    }
}
