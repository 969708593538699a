using System;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Tests.LivePatch
{
    public sealed class BundleVersionTests
    {
        [Fact]
        public void The_target_version_wins_over_what_the_servers_report()
        {
            Assert.Equal("4.19.1", BundleVersion.Resolve("4.19.1", new[] { ("prod", (string?)"4.18.0"), ("lab", "4.19.0") }));
        }

        [Fact]
        public void Servers_on_one_version_give_that_version_and_unknown_ones_do_not_count()
        {
            Assert.Equal("4.19.0.1", BundleVersion.Resolve(null, new[] { ("prod", (string?)"4.19.0.1"), ("dr", "4.19.0.1 "), ("offline", null) }));
            Assert.Null(BundleVersion.Resolve(null, new[] { ("offline", (string?)null) }));
            Assert.Null(BundleVersion.Resolve(null, Array.Empty<(string, string?)>()));
        }

        [Fact]
        public void Servers_on_different_versions_need_a_target_version_and_the_error_names_them()
        {
            var ex = Assert.Throws<SysVmPatch.Engine.Errors.TargetVersionException>(() =>
                BundleVersion.Resolve(null, new[] { ("prod", (string?)"4.18.1"), ("lab", "4.19.0"), ("prod2", "4.18.1") }));
            Assert.Contains("4.18.1 on prod and prod2", ex.Message);
            Assert.Contains("4.19.0 on lab", ex.Message);
            // The engine names its own option; Invoke-LivePatch's error record adds "-TargetVersion" (ErrorRecords).
            Assert.Contains("name the target version", ex.Message);
            Assert.Equal("AmbiguousTargetVersion", ex.ErrorId);
        }
    }
}
