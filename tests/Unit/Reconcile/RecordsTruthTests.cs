using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Reconcile;

namespace SysVmPatch.Tests.Reconcile
{
    public sealed class RecordsTruthTests
    {
        private static readonly SystemVm Router = new SystemVm { Name = "r-1-VM", Type = SystemVmType.Router, TemplateVersion = "4.19.0.0", ScriptsSignature = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };

        [Fact]
        public void Records_agree_when_template_word_and_signature_match()
        {
            var truth = RecordsTruth.Of(Router, "Cloudstack Release 4.19.0.0 Mon Jun 5 09:12:41 UTC 2023", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
            Assert.False(truth.Stale);
        }

        [Fact]
        public void A_different_signature_is_stale_and_both_values_are_named()
        {
            var truth = RecordsTruth.Of(Router, "Cloudstack Release 4.19.0.0 x", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            Assert.True(truth.Stale);
            Assert.Contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", truth.Description);
            Assert.Contains("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", truth.Description);
        }

        [Fact]
        public void A_different_template_is_stale()
        {
            Assert.True(RecordsTruth.Of(Router, "Cloudstack Release 4.20.0.0 x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").Stale);
        }

        [Theory]
        [InlineData(null, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
        [InlineData("garbage", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
        [InlineData("Cloudstack Release 4.19.0.0", "")]
        public void Unreadable_vm_values_leave_it_unknown(string? release, string signature)
        {
            Assert.Null(RecordsTruth.Of(Router, release, signature).Stale);
        }

        [Fact]
        public void Ssvm_records_are_not_compared()
        {
            Assert.Null(RecordsTruth.Of(Router with { Type = SystemVmType.SSVM }, "Cloudstack Release 4.19.0.0 x", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").Stale);
        }

        [Theory]
        [InlineData("cloud-scripts.tgz 0123456789abcdef0123456789abcdef\nagent.zip missing\n", "0123456789abcdef0123456789abcdef", null, false)]
        [InlineData("cloud-scripts.tgz missing\nagent.zip missing\n", null, null, false)]
        [InlineData("cloud-scripts.tgz 0123456789abcdef0123456789abcdef\n", null, null, true)] // truncated: agent.zip line missing
        [InlineData("cloud-scripts.tgz 0123456789ABCDEF; rm -rf /\nagent.zip missing\n", null, null, true)] // hostile line ignored
        [InlineData("", null, null, true)]
        public void The_hosts_answer_is_read_strictly(string stdout, string? scripts, string? agent, bool error)
        {
            var files = SshHostBundleReader.Parse(new HostBundleFiles { HostName = "kvm-a" }, stdout);
            Assert.Equal(scripts, files.ScriptsMd5);
            Assert.Equal(agent, files.AgentZipMd5);
            Assert.Equal(error, files.Error != null);
        }

        [Fact]
        public void A_host_holds_the_bundle_only_with_both_files_for_an_ssvm()
        {
            var files = new HostBundleFiles { ScriptsMd5 = "s", AgentZipMd5 = "a" };
            Assert.True(files.Holds("s", "a", needsAgent: true));
            Assert.False(files.Holds("s", "other", needsAgent: true));
            Assert.True(files.Holds("s", "other", needsAgent: false));
            Assert.False(files.Holds("x", "a", needsAgent: false));
            Assert.Null((files with { Error = "unreachable" }).Holds("s", "a", needsAgent: false));
        }
    }
}
