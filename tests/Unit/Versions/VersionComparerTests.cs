using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Tests.Versions
{
    public class VersionComparerTests
    {
        private const string Old = "5c1f0000000000000000000000000000";
        private const string New = "9e1f0000000000000000000000000000";
        private static readonly VersionTarget Bundle = new VersionTarget(CloudStackVersion.Parse("4.19.1.0"), New, "bundle");
        private static readonly VersionTarget ServerOnly = new VersionTarget(CloudStackVersion.Parse("4.19.1.0"), null, "management server");

        private static SystemVm Router(string template, string? signature, string? software = null) => new SystemVm
        {
            Id = "r1", Name = "r-101-VM", Type = SystemVmType.Router, TemplateVersion = template, SoftwareVersion = software ?? template, ScriptsSignature = signature,
        };

        [Fact]
        public void Outdated_router_on_a_supported_template_gets_a_live_patch()
        {
            var c = VersionComparer.Compare(Router("4.18.0.0", Old), Bundle);
            Assert.Equal(VersionStatus.Outdated, c.Status);
            Assert.Equal(RecommendedAction.LivePatch, c.RecommendedAction);
            Assert.False(c.SignatureMatches);
            Assert.True(c.LivePatchSupported);
        }

        [Fact]
        public void Matching_signature_is_up_to_date_whatever_the_recorded_version()
        {
            var c = VersionComparer.Compare(Router("4.18.0.0", New.ToUpperInvariant()), Bundle);
            Assert.Equal(VersionStatus.UpToDate, c.Status);
            Assert.Equal(RecommendedAction.None, c.RecommendedAction);
            Assert.True(c.SignatureMatches);
        }

        [Fact]
        public void A_4_13_template_must_be_recreated()
        {
            var c = VersionComparer.Compare(Router("4.13.1.0", Old), Bundle);
            Assert.Equal(VersionStatus.Outdated, c.Status);
            Assert.Equal(RecommendedAction.Recreate, c.RecommendedAction);
            Assert.Contains("4.13", c.Reason);
        }

        [Fact]
        public void Newer_than_the_target_is_left_alone()
        {
            var c = VersionComparer.Compare(Router("4.20.0.0", Old), ServerOnly);
            Assert.Equal(VersionStatus.Newer, c.Status);
            Assert.Equal(RecommendedAction.None, c.RecommendedAction);
        }

        [Fact]
        public void Unknown_version_and_no_signature_is_unknown_and_asks_for_a_probe()
        {
            var vm = new SystemVm { Name = "s-1-VM", Type = SystemVmType.SSVM, TemplateVersion = "UNKNOWN" };
            var c = VersionComparer.Compare(vm, ServerOnly);
            Assert.Equal(VersionStatus.Unknown, c.Status);
            Assert.Equal(RecommendedAction.Probe, c.RecommendedAction);
            Assert.Contains("probe the VM", c.Reason);
        }

        [Fact]
        public void An_outdated_router_whose_template_is_UNKNOWN_is_probed_not_left_alone()
        {
            var c = VersionComparer.Compare(Router("UNKNOWN", Old, software: "4.18.0.0"), Bundle);
            Assert.Equal(VersionStatus.Outdated, c.Status);
            Assert.Null(c.LivePatchSupported);
            Assert.Equal(RecommendedAction.Probe, c.RecommendedAction);
            Assert.Contains("probe the VM", c.Reason);
        }

        [Fact]
        public void A_failed_probe_of_an_unknown_VM_is_not_recommended_again()
        {
            var vm = new SystemVm { Name = "s-1-VM", Type = SystemVmType.SSVM, TemplateVersion = "UNKNOWN" };
            var c = VersionComparer.Compare(vm, ServerOnly, VmProbe.Failed("connection refused"));
            Assert.Equal(RecommendedAction.None, c.RecommendedAction);
            Assert.Contains("connection refused", c.Reason);
        }

        [Fact]
        public void Probe_overrides_the_API_and_reports_where_they_disagree()
        {
            var vm = Router("4.18.0.0", Old);
            var probe = new VmProbe("Cloudstack Release 4.18.0.0 Mon Jan 1 2024", New, BootFinished: true);
            var c = VersionComparer.Compare(vm, Bundle, probe);
            Assert.True(c.Probed);
            Assert.Equal(New, c.CurrentSignature);
            Assert.Equal(VersionStatus.UpToDate, c.Status);
            Assert.Single(c.Discrepancies);
            Assert.Contains("API says " + Old, c.Discrepancies[0]);
        }

        [Fact]
        public void A_VM_still_booting_is_not_patched_yet()
        {
            var c = VersionComparer.Compare(Router("4.18.0.0", Old), Bundle, new VmProbe("4.18.0.0", Old, BootFinished: false));
            Assert.Equal(VersionStatus.Outdated, c.Status);
            Assert.Equal(RecommendedAction.None, c.RecommendedAction);
            Assert.Contains("boot_up_done", c.Reason);
        }

        [Fact]
        public void A_failed_probe_falls_back_to_the_API_and_says_why()
        {
            var c = VersionComparer.Compare(Router("4.18.0.0", Old), Bundle, VmProbe.Failed("connection refused"));
            Assert.False(c.Probed);
            Assert.Equal("connection refused", c.ProbeError);
            Assert.Equal(VersionStatus.Outdated, c.Status);
        }
    }
}
