using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Tests.Versions
{
    public class CloudStackVersionTests
    {
        [Theory]
        [InlineData("4.18.0.0", "4.18.0")]
        [InlineData("4.19.1-SNAPSHOT", "4.19.1-SNAPSHOT")]
        [InlineData("systemvm-kvm-4.18.0", "4.18.0")]
        [InlineData("Cloudstack Release 4.18.1.0 Mon Jan  1 00:00:00 UTC 2024", "4.18.1")]
        [InlineData("4.17.2.1", "4.17.2.1")]
        [InlineData("4.20", "4.20.0")]
        public void Parses_what_CloudStack_reports(string text, string expected)
        {
            Assert.True(CloudStackVersion.TryParse(text, out var v));
            Assert.Equal(expected, v!.ToString());
        }

        [Theory]
        [InlineData("UNKNOWN")]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("   ")]
        [InlineData("systemvm")]
        public void Refuses_text_without_a_version(string? text)
        {
            Assert.False(CloudStackVersion.TryParse(text, out var v));
            Assert.Null(v);
            var ex = Assert.Throws<System.FormatException>(() => CloudStackVersion.Parse(text ?? ""));
            Assert.Contains("is not a CloudStack version", ex.Message);
        }

        [Fact]
        public void Orders_numerically_and_ignores_missing_components()
        {
            Assert.True(CloudStackVersion.Parse("4.9.0") < CloudStackVersion.Parse("4.10.0"));
            Assert.Equal(CloudStackVersion.Parse("4.18"), CloudStackVersion.Parse("4.18.0.0"));
            Assert.True(CloudStackVersion.Parse("4.19.1-SNAPSHOT") > CloudStackVersion.Parse("4.19.0.9"));
            Assert.Equal(0, CloudStackVersion.Parse("4.19.1-SNAPSHOT").CompareTo(CloudStackVersion.Parse("4.19.1.0")));
        }

        [Theory]
        [InlineData("4.13.1", false)]
        [InlineData("4.11.3.0", false)]
        [InlineData("4.14.0", true)]
        [InlineData("4.15.0", true)]
        [InlineData("4.19.1.0", true)]
        public void Support_matrix(string release, bool supported)
        {
            var s = LivePatchSupport.For(CloudStackVersion.Parse(release));
            Assert.Equal(supported, s.Supported);
            if (release.StartsWith("4.14")) Assert.Contains("VPN", s.Reason);
            if (!supported) Assert.Contains("recreate", s.Reason);
        }

        [Fact]
        public void Support_is_unknown_without_a_release()
        {
            Assert.Null(LivePatchSupport.For(null).Supported);
        }
    }
}
