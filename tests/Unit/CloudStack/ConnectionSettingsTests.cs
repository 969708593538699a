using System;
using System.Collections.Generic;
using System.IO;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    public sealed class ConnectionSettingsTests
    {
        private const string Secret = "S3cr3t-value-that-must-never-print";

        [Theory]
        [InlineData("https://cloud.example:8443/client/api", "https://cloud.example:8443/client/api")]
        [InlineData("https://cloud.example:8443", "https://cloud.example:8443/client/api")]
        [InlineData("http://cloud.example/client/", "http://cloud.example/client/api")]
        [InlineData("  http://10.0.0.5:8080/client/api/ ", "http://10.0.0.5:8080/client/api")]
        public void EndpointIsNormalisedToTheApiUrl(string given, string expected)
        {
            Assert.Equal(expected, CloudStackConnectionSettings.ParseEndpoint(given).AbsoluteUri);
        }

        [Theory]
        [InlineData("cloud.example:8080")]
        [InlineData("ftp://cloud.example/client/api")]
        [InlineData("not a url")]
        [InlineData("https://cloud.example/client/api?command=x")]
        public void EndpointThatIsNotAnHttpUrlIsRefusedClearly(string given)
        {
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudStackConnectionSettings.ParseEndpoint(given));
            Assert.Contains("URL", e.Message, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void EnvironmentGivesAConnection()
        {
            var env = new Dictionary<string, string?>
            {
                ["CLOUDSTACK_ENDPOINT"] = "https://cloud.example:8443/client/api",
                ["CLOUDSTACK_KEY"] = "the-key",
                ["CLOUDSTACK_SECRET"] = Secret,
                ["CLOUDSTACK_TIMEOUT"] = "12",
                ["CLOUDSTACK_VERIFY"] = "false",
            };
            var s = CloudStackConnectionSettings.FromEnvironment(n => env.TryGetValue(n, out var v) ? v : null);
            Assert.Equal("cloud.example", s.Name);
            Assert.Equal("https://cloud.example:8443/client/api", s.Endpoint.AbsoluteUri);
            Assert.Equal("the-key", s.ApiKey);
            Assert.Equal(TimeSpan.FromSeconds(12), s.Timeout);
            Assert.True(s.SkipCertificateCheck);
            Assert.DoesNotContain(Secret, s.ToString());
        }

        [Fact]
        public void EnvironmentMissingVariablesAreNamed()
        {
            var env = new Dictionary<string, string?> { ["CLOUDSTACK_SECRET"] = Secret };
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudStackConnectionSettings.FromEnvironment(n => env.TryGetValue(n, out var v) ? v : null));
            Assert.Contains("CLOUDSTACK_ENDPOINT", e.Message);
            Assert.Contains("CLOUDSTACK_KEY", e.Message);
            Assert.DoesNotContain("CLOUDSTACK_SECRET", e.Message);
        }

        [Fact]
        public void EnvironmentBadTimeoutIsRefused()
        {
            var env = new Dictionary<string, string?>
            {
                ["CLOUDSTACK_ENDPOINT"] = "https://cloud.example/client/api", ["CLOUDSTACK_KEY"] = "k", ["CLOUDSTACK_SECRET"] = Secret, ["CLOUDSTACK_TIMEOUT"] = "soon",
            };
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudStackConnectionSettings.FromEnvironment(n => env.TryGetValue(n, out var v) ? v : null));
            Assert.Contains("CLOUDSTACK_TIMEOUT", e.Message);
        }

        private const string CmkConfig = @"
prompt = 🐵
asyncblock = true
timeout = 1800
verifycert = true
[core]
profile = prod
timeout = 600

[localcloud]
url = http://localhost:8080/client/api
username = admin
password = password
apikey =
secretkey =

[prod]
url = https://cloud.example.com:8443/client/api
apikey = ""prod-key""
secretkey = `" + Secret + @"`
verifycert = false
; a comment
# another

[lab]
url = https://lab.example.com
apikey = lab-key
secretkey = lab-secret
timeout = 90
";

        [Fact]
        public void CloudMonkeyCurrentProfileIsRead()
        {
            var s = CloudMonkeyConfig.Parse(CmkConfig, "/home/op/.cmk/config").ReadProfile();
            Assert.Equal("prod", s.Name);
            Assert.Equal("https://cloud.example.com:8443/client/api", s.Endpoint.AbsoluteUri);
            Assert.Equal("prod-key", s.ApiKey);
            Assert.True(s.SkipCertificateCheck);
            Assert.Equal(TimeSpan.FromSeconds(600), s.JobTimeout); // [core] timeout applies when the profile sets none
            Assert.DoesNotContain(Secret, s.ToString());
        }

        [Fact]
        public void CloudMonkeyNamedProfileIsRead()
        {
            var s = CloudMonkeyConfig.Parse(CmkConfig).ReadProfile("lab");
            Assert.Equal("lab", s.Name);
            Assert.Equal("https://lab.example.com/client/api", s.Endpoint.AbsoluteUri);
            Assert.Equal(TimeSpan.FromSeconds(90), s.JobTimeout);
            Assert.False(s.SkipCertificateCheck);
        }

        [Fact]
        public void CloudMonkeyUnknownProfileNamesTheOnesThere()
        {
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudMonkeyConfig.Parse(CmkConfig, "/x/config").ReadProfile("staging"));
            Assert.Contains("'staging'", e.Message);
            Assert.Contains("lab, localcloud, prod", e.Message);
            Assert.Contains("/x/config", e.Message);
        }

        [Fact]
        public void CloudMonkeyProfileWithoutKeysSaysWhatIsMissing()
        {
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudMonkeyConfig.Parse(CmkConfig).ReadProfile("localcloud"));
            Assert.Contains("apikey, secretkey", e.Message);
        }

        [Fact]
        public void CloudMonkeyFileIsLoadedFromDisk()
        {
            string dir = Path.Combine(Path.GetTempPath(), "svp-cmk-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                string path = Path.Combine(dir, "config");
                File.WriteAllText(path, CmkConfig);
                var s = CloudStackConnectionSettings.FromCloudMonkeyProfile("lab", path);
                Assert.Equal("lab-key", s.ApiKey);
                var missing = Assert.Throws<CloudStackSettingsException>(() => CloudStackConnectionSettings.FromCloudMonkeyProfile(null, Path.Combine(dir, "nope")));
                Assert.Contains("nope", missing.Message);
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public void CloudMonkeyProfileWithBadUrlIsRefusedClearly()
        {
            var e = Assert.Throws<CloudStackSettingsException>(() => CloudMonkeyConfig.Parse("[core]\nprofile = p\n[p]\nurl = localhost:8080\napikey = k\nsecretkey = s\n").ReadProfile());
            Assert.Contains("profile 'p'", e.Message);
            Assert.Contains("not an http(s) URL", e.Message);
        }
    }
}
