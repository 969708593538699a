using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// Decides, per VM, its status against the target and the recommended action. The scripts signature is the
    /// truth for "is it patched" (as CloudStack itself decides); the template release decides "can it be
    /// live-patched at all" (a live patch never changes /etc/cloudstack-release).
    /// </summary>
    public static class VersionComparer
    {
        public static VersionComparison Compare(SystemVm vm, VersionTarget target, VmProbe? probe = null)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            if (target is null) throw new ArgumentNullException(nameof(target));

            bool probed = probe is not null && probe.Error is null;
            string? apiCurrent = vm.Type == SystemVmType.Router ? (vm.SoftwareVersion ?? vm.TemplateVersion) : vm.TemplateVersion;
            string? templateText = probed && !string.IsNullOrWhiteSpace(probe!.ReleaseLine) ? probe.ReleaseLine : vm.TemplateVersion;
            var template = CloudStackVersion.ParseOrNull(templateText);
            var current = CloudStackVersion.ParseOrNull(apiCurrent);
            string? signature = Normalise(probed && !string.IsNullOrWhiteSpace(probe!.Signature) ? probe.Signature : vm.ScriptsSignature);
            string? targetSignature = Normalise(target.Signature);

            bool? signatureMatches = signature != null && targetSignature != null ? string.Equals(signature, targetSignature, StringComparison.Ordinal) : (bool?)null;
            var status = DecideStatus(signatureMatches, current, target.Version);
            var support = LivePatchSupport.For(template);

            var (action, reason) = DecideAction(status, support, probe, signatureMatches, current, target);
            return new VersionComparison
            {
                // The probe's facts travel with the VM, so Invoke-LivePatch plans from them.
                Vm = probed ? vm with { ProbedRelease = probe!.ReleaseLine, ProbedSignature = probe.Signature } : vm,
                CurrentVersion = current?.ToString() ?? apiCurrent,
                TargetVersion = target.Version?.ToString(),
                TemplateRelease = template?.ToString() ?? templateText,
                CurrentSignature = signature,
                TargetSignature = targetSignature,
                SignatureMatches = signatureMatches,
                Status = status,
                LivePatchSupported = support.Supported,
                SupportReason = support.Reason,
                RecommendedAction = action,
                Reason = reason,
                Probed = probed,
                BootFinished = probed ? probe!.BootFinished : (bool?)null,
                ProbeError = probe?.Error,
                ProbeRemedy = probe?.Remedy,
                LastPatchOutcome = probe?.LastPatchOutcome,
                NeedsAttention = probe?.NeedsAttention,
                Discrepancies = probed ? FindDiscrepancies(vm, probe!) : Array.Empty<string>(),
            };
        }

        private static VersionStatus DecideStatus(bool? signatureMatches, CloudStackVersion? current, CloudStackVersion? target)
        {
            if (signatureMatches == true) return VersionStatus.UpToDate;
            if (current != null && target != null)
            {
                int c = current.CompareTo(target);
                if (c > 0) return VersionStatus.Newer;
                // Same version but another scripts signature: the scripts differ from the bundle's, so patch.
                if (c == 0) return signatureMatches == false ? VersionStatus.Outdated : VersionStatus.UpToDate;
                return VersionStatus.Outdated;
            }
            return signatureMatches == false ? VersionStatus.Outdated : VersionStatus.Unknown;
        }

        private static (RecommendedAction, string) DecideAction(VersionStatus status, LivePatchSupport support, VmProbe? probe, bool? signatureMatches, CloudStackVersion? current, VersionTarget target)
        {
            // A matching signature proves nothing on a VM a rollback could not restore.
            if (probe?.NeedsAttention != null) return (RecommendedAction.None, "needs attention: " + probe.NeedsAttention);
            switch (status)
            {
                case VersionStatus.UpToDate:
                    return (RecommendedAction.None, signatureMatches == true ? "scripts signature already matches the target" : $"already at {target.Version}");
                case VersionStatus.Newer:
                    return (RecommendedAction.None, $"runs {current}, newer than the target {target.Version}");
                case VersionStatus.Unknown:
                    // A failed probe is not worth repeating blindly: None, and the reason says what failed.
                    return probe?.Error != null
                        ? (RecommendedAction.None, $"probe failed: {probe.Error}")
                        : (RecommendedAction.Probe, "neither version nor scripts signature is known; probe the VM, or compare with a patch bundle");
            }
            if (probe != null && probe.Error is null && !probe.BootFinished)
                return (RecommendedAction.None, "boot not finished (/var/cache/cloud/boot_up_done missing); check again later");
            if (support.Supported == false) return (RecommendedAction.Recreate, support.Reason);
            // Outdated, but the template release is UNKNOWN: only the VM's /etc/cloudstack-release can tell patch from recreate.
            if (support.Supported == null) return (probe is null ? RecommendedAction.Probe : RecommendedAction.None, support.Reason);
            string what = signatureMatches == false ? "scripts signature differs from the target's" : $"runs {current}, target {target.Version}";
            return (RecommendedAction.LivePatch, $"{what}; {support.Reason}");
        }

        private static IReadOnlyList<string> FindDiscrepancies(SystemVm vm, VmProbe probe)
        {
            var list = new List<string>();
            string? apiSig = Normalise(vm.ScriptsSignature), vmSig = Normalise(probe.Signature);
            if (apiSig != null && vmSig != null && apiSig != vmSig)
                list.Add($"scripts signature: API says {apiSig}, VM has {vmSig}");
            var apiTemplate = CloudStackVersion.ParseOrNull(vm.TemplateVersion);
            var vmRelease = CloudStackVersion.ParseOrNull(probe.ReleaseLine);
            if (vm.Type == SystemVmType.Router && apiTemplate != null && vmRelease != null && !apiTemplate.Equals(vmRelease))
                list.Add($"template release: API says {apiTemplate}, VM has {vmRelease}");
            return list;
        }

        private static string? Normalise(string? md5) =>
            string.IsNullOrWhiteSpace(md5) ? null : md5!.Trim().ToLowerInvariant();
    }
}
