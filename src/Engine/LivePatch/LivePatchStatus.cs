namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>How a VM ended. Every status names a single version the VM is on.</summary>
    public enum LivePatchStatus
    {
        /// <summary>New software applied, services restarted and validated.</summary>
        Patched,
        /// <summary>Already at the bundle's signature; nothing done.</summary>
        AlreadyCurrent,
        /// <summary>Not attempted (Recreate needed, cancelled or stopped before it started, partner failed); untouched.</summary>
        Skipped,
        /// <summary>A step failed after the backup; the old software is back, services running, validated.</summary>
        RolledBack,
        /// <summary>Failed before anything on the VM changed (connect, preflight, upload, lock, verify, backup).</summary>
        Failed,
        /// <summary>The rollback could not prove the old state; the backup is kept on the VM. Needs a human.</summary>
        RollbackFailed,
    }
}
