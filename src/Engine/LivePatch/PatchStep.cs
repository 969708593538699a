namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Where the controller stopped a VM's patch, or why it never began: the code behind
    /// <see cref="LivePatchResult.FailedStep"/> (which shows its name). Steps the agent reports on the VM
    /// (backup, restart, validate, ...) are the agent's own words and pass through unchanged.
    /// </summary>
    public enum PatchStep
    {
        /// <summary>No route to the VM, or SSH failed.</summary>
        Connect,
        /// <summary>Another live patch holds the VM's lock.</summary>
        Lock,
        /// <summary>A failed rollback or recovery marked the VM as needing attention; nothing runs until that is cleared.</summary>
        Attention,
        /// <summary>CloudStack records the bundle's signature, but the VM itself does not run it.</summary>
        NotCurrent,
        /// <summary>The VM's own state refuses the patch (booting, unknown type, too little disk).</summary>
        Preflight,
        /// <summary>The template is too old for a live patch: recreate the VM.</summary>
        Recreate,
        /// <summary>The VM runs a newer release than the bundle.</summary>
        Downgrade,
        /// <summary>The VM is not running.</summary>
        NotRunning,
        /// <summary>A saved plan's VM changed since the plan (host, state, signature, redundant role): skipped, never patched blind.</summary>
        Drifted,
        /// <summary>One of the operator's pre-checks failed; nothing changed.</summary>
        PreCheck,
        /// <summary>Ctrl+C before anything on the VM changed.</summary>
        Cancelled,
        /// <summary>The rollout stopped (MaxFailures) before this VM's turn.</summary>
        Stopped,
        /// <summary>The VM's redundant partner failed earlier in this rollout.</summary>
        PartnerFailed,
        Upload,
        /// <summary>The staged payload failed its checksum on the VM.</summary>
        Verify,
        /// <summary>The agent did not start.</summary>
        Start,
        /// <summary>The agent ended without an outcome.</summary>
        Agent,
        /// <summary>The controller lost the VM while its agent ran; the agent finishes on its own.</summary>
        Wait,
        /// <summary>-Method Api: CloudStack's job failed.</summary>
        CloudStackJob,
        /// <summary>The patch request reached CloudStack but its answer was lost, and no job for it was found: it may have run.</summary>
        CloudStackJobMayHaveRun,
        /// <summary>-Method Api: the VM does not show what CloudStack's job should have left.</summary>
        Validate,
        /// <summary>Something the controller did not foresee (an exception); the message says what to check.</summary>
        Unexpected,
    }

    /// <summary>A decision about a VM's outcome made by the controller: the status, the step as a code, the sentence.</summary>
    public sealed record PatchVerdict(LivePatchStatus Status, PatchStep? Step, string? Error)
    {
        /// <summary>The setting that would fix the failure, when the error names one (a key file, a jump host).</summary>
        public Errors.EngineOption? Remedy { get; init; }
    }
}
