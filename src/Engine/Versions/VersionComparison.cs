using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// One VM measured against the target: what it runs, what it should run, whether it can be live-patched,
    /// and what to do. <see cref="Vm"/> carries the VM on, so Invoke-LivePatch binds it by property name.
    /// </summary>
    public sealed partial class VersionComparison
    {
        public SystemVm Vm { get; init; } = new SystemVm();
        public string Id => Vm.Id;
        public string Name => Vm.Name;
        public SystemVmType Type => Vm.Type;
        public string? ZoneName => Vm.ZoneName;
        public string Server => Vm.Server;

        /// <summary>The software version CloudStack records (router softwareversion, SSVM/CPVM agent version).</summary>
        public string? CurrentVersion { get; init; }
        public string? TargetVersion { get; init; }
        /// <summary>The template release: from /etc/cloudstack-release when probed, else what the API says.</summary>
        public string? TemplateRelease { get; init; }
        public string? CurrentSignature { get; init; }
        public string? TargetSignature { get; init; }
        /// <summary>True/false when both signatures are known; null otherwise.</summary>
        public bool? SignatureMatches { get; init; }
        public VersionStatus Status { get; init; }
        public bool? LivePatchSupported { get; init; }
        public string SupportReason { get; init; } = "";
        public RecommendedAction RecommendedAction { get; init; }
        /// <summary>Why this action, in one sentence an operator can act on.</summary>
        public string Reason { get; init; } = "";

        public bool Probed { get; init; }
        public bool? BootFinished { get; init; }
        public string? ProbeError { get; init; }
        /// <summary>The setting that would fix the failed probe, when its error names one; the cmdlets name its parameter.</summary>
        public Errors.EngineOption? ProbeRemedy { get; init; }
        public string? LastPatchOutcome { get; init; }
        /// <summary>From the probe: a failed rollback marked the VM; it is in no known state and live patching refuses it.</summary>
        public string? NeedsAttention { get; init; }
        /// <summary>Where the API and the VM disagree (signature, release), one line each.</summary>
        public IReadOnlyList<string> Discrepancies { get; init; } = System.Array.Empty<string>();

        public override string ToString() => $"{Name}: {Status} -> {RecommendedAction}";
    }
}
