using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.TestWorld.FakeCloudStack;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>The fake server checks signatures as ApiServer.verifyRequest does, and the client's requests pass.</summary>
    public sealed class FakeServerAuthenticationTests
    {
        private const string RefusedBody = "{\"listzonesresponse\":{\"uuidList\":[],\"errorcode\":401,\"errortext\":\"unable to verify user credentials and/or request signature\"}}";

        [Fact]
        public async Task SignedRequestIsAccepted()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { ManagementVersion = "4.20.1.0" });
            using var client = new CloudStackClient(Settings(server));
            Assert.Equal("4.20.1.0", await client.GetManagementVersionAsync(CancellationToken.None));
            var call = Assert.Single(server.Calls);
            Assert.Equal(200, call.Status);
            Assert.Equal("3", call.Get("signatureversion"));
            Assert.Null(call.Get("signature")); // the call log leaves the signature out
        }

        [Fact]
        public async Task TheServerReceivesExactlyTheBytesTheClientBuilt()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            var fixedNow = DateTimeOffset.UtcNow;
            client.Clock = () => fixedNow;
            var parameters = P(("keyword", "r-1 +é/\"'"), ("listall", "true"));
            await client.ExecuteAsync("listRouters", parameters, CancellationToken.None);
            string expected = client.BuildRequestUri("listRouters", parameters, fixedNow).Query.TrimStart('?');
            var call = Assert.Single(server.Calls);
            Assert.Equal(expected, call.RawQuery);
            Assert.Equal("r-1 +é/\"'", call.Get("keyword"));
            Assert.Equal(200, call.Status);
        }

        [Fact]
        public async Task WrongSecretIsRefusedWith401AndCloudStacksBody()
        {
            await using var server = await StartAsync();
            using var http = new HttpClient();
            var signed = RequestSigner.SignParameters("listZones", null, server.ApiKey, new CloudStackSecret("not-the-secret"), DateTimeOffset.UtcNow.AddMinutes(5));
            var response = await http.GetAsync(server.Endpoint + "?" + RequestSigner.BuildQuery(signed));
            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal(RefusedBody, await response.Content.ReadAsStringAsync());
            Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());

            server.ClearCalls();
            const string wrongSecret = "wrong-secret-value-1234567890";
            using var client = new CloudStackClient(Settings(server, wrongSecret));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ExecuteAsync("listZones", None, CancellationToken.None));
            Assert.Equal(401, e.HttpStatus);
            Assert.Equal(401, e.ErrorCode);
            Assert.Equal("unable to verify user credentials and/or request signature", e.ErrorText);
            Assert.Contains("API key and secret key", e.Message);
            Assert.Contains("clock", e.Message);
            AssertNoSecret(e, wrongSecret);
            Assert.Single(server.Calls); // 4xx: not retried
        }

        [Fact]
        public async Task MissingSignatureIsRefused()
        {
            await using var server = await StartAsync();
            using var http = new HttpClient();
            var response = await http.GetAsync($"{server.Endpoint}?command=listZones&apiKey={server.ApiKey}&response=json");
            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal(RefusedBody, await response.Content.ReadAsStringAsync());
        }

        [Fact]
        public async Task ExpiredRequestIsRefused()
        {
            await using var server = await StartAsync();
            using var http = new HttpClient();
            var signed = RequestSigner.SignParameters("listZones", null, server.ApiKey, new CloudStackSecret(server.SecretKey), DateTimeOffset.UtcNow.AddMinutes(-1));
            var response = await http.GetAsync(server.Endpoint + "?" + RequestSigner.BuildQuery(signed));
            Assert.Equal(401, (int)response.StatusCode);
            Assert.Equal(RefusedBody, await response.Content.ReadAsStringAsync());

            // The same request with a future expiry passes: the refusal was the expiry, not the signing.
            var fresh = RequestSigner.SignParameters("listZones", null, server.ApiKey, new CloudStackSecret(server.SecretKey), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Equal(200, (int)(await http.GetAsync(server.Endpoint + "?" + RequestSigner.BuildQuery(fresh))).StatusCode);
        }

        [Fact]
        public async Task TamperedParameterIsRefused()
        {
            await using var server = await StartAsync();
            using var http = new HttpClient();
            var signed = RequestSigner.SignParameters("listRouters", P(("listall", "true")), server.ApiKey, new CloudStackSecret(server.SecretKey), DateTimeOffset.UtcNow.AddMinutes(5));
            string query = RequestSigner.BuildQuery(signed).Replace("listall=true", "listall=false");
            var response = await http.GetAsync(server.Endpoint + "?" + query);
            Assert.Equal(401, (int)response.StatusCode);
        }

        [Fact]
        public async Task UnknownCommandIsRefusedAsCloudStackDoes()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ExecuteAsync("listsystemvms", None, CancellationToken.None));
            Assert.Equal(401, e.HttpStatus); // the command map is case-sensitive; verifyRequest refuses unknown commands
        }

        [Fact]
        public async Task CommandNotAvailableToTheAccountIs432WithAClearMessage()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { UnavailableCommands = new[] { "listHosts" } });
            using var client = new CloudStackClient(Settings(server));
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => client.ListAllAsync("listHosts", "host", None, CancellationToken.None));
            Assert.Equal(432, e.HttpStatus);
            Assert.Equal(432, e.ErrorCode);
            Assert.Equal(9999, e.CsErrorCode);
            Assert.Contains("root admin", e.Message);
            Assert.Contains("[listHosts]", e.Message);
            Assert.Single(server.Calls);
            AssertNoSecret(e, server.SecretKey);
        }

        [Fact]
        public async Task LongRequestsArePostedAndStillVerify()
        {
            await using var server = await StartAsync();
            using var client = new CloudStackClient(Settings(server));
            string longKeyword = new string('x', 5000);
            var items = await client.ListAllAsync("listRouters", "router", P(("keyword", longKeyword), ("listall", "true")), CancellationToken.None);
            Assert.Empty(items);
            var call = Assert.Single(server.Calls);
            Assert.Equal("POST", call.Method);
            Assert.Equal(200, call.Status);
            Assert.Equal(longKeyword, call.Get("keyword"));
        }

        [Fact]
        public async Task ConnectProvesTheKeysAndReadsTheVersion()
        {
            await using var server = await StartAsync(new FakeCloudStackOptions { ManagementVersion = "4.19.1.0" });
            var lines = new List<string>();
            using var client = await CloudStackClient.ConnectAsync(Settings(server), lines.Add, CancellationToken.None);
            Assert.Equal("4.19.1.0", client.ManagementVersion);
            Assert.Equal(server.Name, client.Name);
            Assert.Contains(lines, l => l.StartsWith("GET listCapabilities", StringComparison.Ordinal));

            const string wrong = "definitely-wrong-secret";
            var e = await Assert.ThrowsAsync<CloudStackApiException>(() => CloudStackClient.ConnectAsync(Settings(server, wrong), null, CancellationToken.None));
            Assert.Equal(401, e.HttpStatus);
            AssertNoSecret(e, wrong);
        }
    }
}