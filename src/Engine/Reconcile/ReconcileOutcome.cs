namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>Whether Invoke-LivePatch brings CloudStack's records in line after patching (-Reconcile).</summary>
    public enum ReconcileMode
    {
        /// <summary>
        /// Where it is safe: a network or VPC with a single router, all of whose routers this run patched, whose host holds
        /// the bundle. Redundant pairs are left stale (restartNetwork livepatch restarts both routers at once).
        /// </summary>
        WhereSafe,
        /// <summary>Never: the records stay stale and every result says so.</summary>
        Off,
        /// <summary>Also redundant pairs, accepting that CloudStack restarts both routers' services together, in no order.</summary>
        IncludeRedundant,
    }

    /// <summary>What became of CloudStack's records of one VM after its patch.</summary>
    public enum ReconcileOutcome
    {
        /// <summary>Nothing to bring in line: the VM was not patched in this run.</summary>
        NotApplicable,
        /// <summary>CloudStack's records now agree with what the VM runs (checked through the API).</summary>
        Reconciled,
        /// <summary>The VM is patched; CloudStack's records of it stay stale (not safe, or turned off). The message says what that means and how to fix it.</summary>
        RecordsStale,
        /// <summary>The step that lets CloudStack re-patch was refused: the host's files differ from the bundle and would overwrite the patch.</summary>
        RefusedHostFilesDiffer,
        /// <summary>Brought in line with the network's last router in this run (see that router's result).</summary>
        Deferred,
        /// <summary>An SSVM/CPVM whose agent had not yet reported its new version; CloudStack rewrites it when the agent reconnects.</summary>
        AwaitingAgent,
        /// <summary>CloudStack was asked and failed, or its records still disagree afterwards.</summary>
        Failed,
    }
}
