using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>
    /// A live-patch plan as it is reviewed today and applied tomorrow (sdcadm's <c>update -f plan.json</c>): every VM
    /// with the facts it was planned on (host, state, release, signature) and its batch, the bundle's MD5s, the
    /// management servers and the options. It holds no secret: no key, no passphrase, no API key. Its
    /// <see cref="Hash"/> (SHA-256 of the canonical JSON) names it in the history of the run that applies it.
    /// </summary>
    public sealed record SavedLivePatchPlan
    {
        /// <summary>The plan file format this release writes and the only one it reads.</summary>
        public const int CurrentFormatVersion = 1;

        public int FormatVersion { get; init; } = CurrentFormatVersion;
        public DateTimeOffset Created { get; init; }
        /// <summary>user@machine that made the plan.</summary>
        public string CreatedBy { get; init; } = "";
        public IReadOnlyList<PlanServer> Servers { get; init; } = Array.Empty<PlanServer>();
        public PlanBundle Bundle { get; init; } = null!;
        public PlanOptions Options { get; init; } = new PlanOptions();
        /// <summary>Every VM piped in, in plan order: the ones to patch by batch, then the ones settled at planning.</summary>
        public IReadOnlyList<PlannedVm> Vms { get; init; } = Array.Empty<PlannedVm>();
        /// <summary>SHA-256 (lowercase hex) of the canonical JSON: the same plan always has the same hash, however it is indented.</summary>
        public string Hash { get; init; } = "";
        /// <summary>The plan as text: exactly what Invoke-LivePatch -WhatIf prints for it and -Confirm asks about.</summary>
        public IReadOnlyList<string> Text { get; init; } = Array.Empty<string>();

        /// <summary>The first line of <see cref="Text"/>.</summary>
        public string Summary => Text.Count > 0 ? Text[0] : "";

        public override string ToString() => string.Join(Environment.NewLine, Text);
    }

    /// <summary>A management server the plan's VMs come from: the connection's name and the endpoint it pointed at.</summary>
    public sealed record PlanServer(string Name, string? Endpoint);

    /// <summary>Where the bundle was and what it held when the plan was made.</summary>
    public sealed record PlanBundle(string Path, string? Version, string AgentZipMd5, string ScriptsMd5)
    {
        /// <summary>The bundle's CA certificates and JRE as "md5  name" lines (BundleExtras.Md5Lines); empty when it has none.</summary>
        public IReadOnlyList<string> ExtraFiles { get; init; } = Array.Empty<string>();
    }

    /// <summary>The options of the rollout, as approved (the SSH route is the applying machine's, given when it runs).</summary>
    public sealed record PlanOptions
    {
        public LivePatchMethod Method { get; init; } = LivePatchMethod.Ssh;
        public int BatchSize { get; init; } = 10;
        public int? ThrottleLimit { get; init; }
        public int? MaxFailures { get; init; }
        public int DelaySec { get; init; }
        public bool Force { get; init; }
        public IReadOnlyList<string> PreChecks { get; init; } = Array.Empty<string>();
        public IReadOnlyList<string> PostChecks { get; init; } = Array.Empty<string>();
        public bool ReapplyRouterRules { get; init; }
        public int AgentTimeoutSec { get; init; } = 600;
    }

    /// <summary>One VM as planned: the facts the decision rested on, the decision, and its batch (0 when not patched).</summary>
    public sealed record PlannedVm
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public SystemVmType Type { get; init; }
        public string Server { get; init; } = "";
        public string? Zone { get; init; }
        public string? HostId { get; init; }
        public string? HostName { get; init; }
        public string? State { get; init; }
        /// <summary>The release the plan saw (probed, else CloudStack's record).</summary>
        public string? Release { get; init; }
        /// <summary>The scripts signature the plan saw (probed, else CloudStack's record).</summary>
        public string? Signature { get; init; }
        /// <summary>True when <see cref="Signature"/> came from the VM itself (a probe), not from CloudStack's record.</summary>
        public bool SignatureProbed { get; init; }
        /// <summary>CloudStack's own record of the signature (routers' scriptsversion) when the plan was made.</summary>
        public string? RecordedSignature { get; init; }
        public bool IsRedundant { get; init; }
        public string? RedundantState { get; init; }
        public string? NetworkId { get; init; }
        public string? VpcId { get; init; }
        public LivePatchAction Action { get; init; }
        public PatchStep? Why { get; init; }
        public string? Reason { get; init; }
        public int Batch { get; init; }
    }
}
