using System;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.TestWorld.FakeCloudStack;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>
    /// An http:// endpoint would carry the API key and replayable signed requests in clear text: no client is made
    /// for one (whatever built the settings: parameters, a CloudMonkey profile, the environment) unless the caller
    /// opted in, and then the settings carry the warning to show. Nothing is sent before that decision.
    /// </summary>
    public sealed class UnencryptedEndpointTests
    {
        [Fact]
        public async Task An_http_endpoint_is_refused_before_any_request_unless_opted_in()
        {
            await using var server = await StartAsync();
            Assert.Equal("http", server.Endpoint.Scheme);
            var plain = CloudStackConnectionSettings.Create(server.Endpoint.AbsoluteUri, server.ApiKey, new CloudStackSecret(server.SecretKey), "plain");
            var e = Assert.Throws<CloudStackSettingsException>(() => new CloudStackClient(plain));
            Assert.Equal(Engine.Errors.EngineOption.AllowUnencryptedAuthentication, e.Remedy);
            Assert.Contains("clear text", e.Message);
            await Assert.ThrowsAsync<CloudStackSettingsException>(() => CloudStackClient.ConnectAsync(plain, null, CancellationToken.None));
            Assert.Empty(server.Calls);

            var allowed = plain.With(allowUnencryptedAuthentication: true);
            Assert.Contains("clear text", allowed.UnencryptedWarning);
            using var client = await CloudStackClient.ConnectAsync(allowed, null, CancellationToken.None);
            Assert.NotNull(client.ManagementVersion);
        }

        [Fact]
        public async Task A_CloudMonkey_profile_or_the_environment_with_an_http_url_is_refused_the_same_way()
        {
            await using var server = await StartAsync();
            string config = $"[core]\nprofile = p\n\n[p]\nurl = {server.Endpoint}\napikey = {server.ApiKey}\nsecretkey = {server.SecretKey}\n";
            var fromProfile = CloudMonkeyConfig.Parse(config).ReadProfile();
            Assert.Equal(Engine.Errors.EngineOption.AllowUnencryptedAuthentication, Assert.Throws<CloudStackSettingsException>(() => new CloudStackClient(fromProfile)).Remedy);
            var fromEnvironment = CloudStackConnectionSettings.FromEnvironment(n => n switch
            {
                "CLOUDSTACK_ENDPOINT" => server.Endpoint.AbsoluteUri, "CLOUDSTACK_KEY" => server.ApiKey, "CLOUDSTACK_SECRET" => server.SecretKey, _ => null,
            });
            Assert.Throws<CloudStackSettingsException>(() => fromEnvironment.Validate());
            Assert.Empty(server.Calls);
        }

        [Fact]
        public async Task Https_stays_the_default_and_carries_no_warning()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { UseHttps = true });
            var settings = CloudStackConnectionSettings.Create(server.Endpoint.AbsoluteUri, server.ApiKey, new CloudStackSecret(server.SecretKey), "tls")
                .With(skipCertificateCheck: true);
            Assert.Null(settings.UnencryptedWarning);
            using var client = await CloudStackClient.ConnectAsync(settings, null, CancellationToken.None);
            Assert.NotNull(client.ManagementVersion);
        }
    }
}
