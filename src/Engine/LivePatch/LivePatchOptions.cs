using System;
using System.Collections.Generic;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Reconcile;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>Everything Invoke-LivePatch passes to the engine for one rollout.</summary>
    public sealed record LivePatchOptions
    {
        /// <summary>The payload (from -BundlePath, or fetched from a management server first).</summary>
        public PatchBundle Bundle { get; init; } = null!;
        /// <summary>Ssh: our own agent over SSH (default). Api: CloudStack patches, we verify over SSH.</summary>
        public LivePatchMethod Method { get; init; } = LivePatchMethod.Ssh;
        public RolloutOptions Rollout { get; init; } = new RolloutOptions();
        public SshRouteOptions Ssh { get; init; } = new SshRouteOptions();
        /// <summary>Patch even when the VM already runs the bundle's signature.</summary>
        public bool Force { get; init; }
        /// <summary>Commands run on each VM before anything is uploaded; a non-zero exit leaves the VM untouched.</summary>
        public IReadOnlyList<string> PreChecks { get; init; } = Array.Empty<string>();
        /// <summary>Commands run on each VM as part of validation; a non-zero exit rolls the VM back.</summary>
        public IReadOnlyList<string> PostChecks { get; init; } = Array.Empty<string>();
        /// <summary>How long the on-VM agent may take before the controller stops waiting (the agent still finishes).</summary>
        public TimeSpan AgentTimeout { get; init; } = TimeSpan.FromMinutes(10);
        /// <summary>Upload time limit per VM.</summary>
        public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(10);
        /// <summary>Ask CloudStack to re-apply router rules afterwards (restartNetwork/restartVPC livepatch=true, cleanup=false).</summary>
        public bool ReapplyRouterRules { get; init; }
        /// <summary>Bring CloudStack's records in line after an SSH patch; <see cref="ReapplyRouterRules"/> also asks for redundant pairs.</summary>
        public ReconcileMode Reconcile { get; init; } = ReconcileMode.WhereSafe;
        /// <summary>API connections by server name (SystemVm.Server), used for <see cref="ReapplyRouterRules"/>.</summary>
        public IReadOnlyDictionary<string, ICloudStackApi> Apis { get; init; } = new Dictionary<string, ICloudStackApi>();
        /// <summary>Share one SSH connection per VM (ControlMaster); null: wherever OpenSSH supports it (not Windows).</summary>
        public bool? ShareConnections { get; init; }
        /// <summary>The rollout's id, shared by every result and the history; null: a new one.</summary>
        public string? RunId { get; init; }
        /// <summary>The hash of the saved plan this run applies (Plans.PlanJson), stamped on every result and history record; null: no saved plan.</summary>
        public string? PlanHash { get; init; }
        /// <summary>
        /// A saved plan's signature per VM ("server/id"): a VM whose own signature differs at preflight drifted since
        /// the plan and is skipped before anything is uploaded. Null: no such check.
        /// </summary>
        public IReadOnlyDictionary<string, string>? PlannedSignatures { get; init; }
    }

    /// <summary>Who applies a live patch.</summary>
    public enum LivePatchMethod
    {
        /// <summary>SysVmPatch's agent over SSH: checksummed upload, backup, validation, proven rollback.</summary>
        Ssh,
        /// <summary>CloudStack itself (patchSystemVm, restartNetwork/restartVPC livepatch=true), then verified over SSH.</summary>
        Api,
    }
}
