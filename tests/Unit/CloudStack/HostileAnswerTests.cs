using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    /// <summary>Whatever a server (or something pretending to be one) answers, the client fails with a clean, secret-free error.</summary>
    public sealed class HostileAnswerTests
    {
        private const string Secret = "hostile-test-secret-9876543210";

        private sealed class FixedAnswer : HttpMessageHandler
        {
            private readonly int _status;
            private readonly string _body;
            public FixedAnswer(int status, string body) { _status = status; _body = body; }
            public int Requests;

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Requests);
                return Task.FromResult(new HttpResponseMessage((HttpStatusCode)_status) { Content = new StringContent(_body) });
            }
        }

        public static IEnumerable<object[]> Answers() => new[]
        {
            new object[] { 200, "{\"listzonesresponse\":" },
            new object[] { 200, "<html><body>Login page</body></html>" },
            new object[] { 200, "[1,2,3]" },
            new object[] { 200, new string('[', 5000) + new string(']', 5000) },
            new object[] { 200, "{\"somethingelse\":{\"a\":1},\"more\":2}" },
            new object[] { 200, "{\"listzonesresponse\":{\"errorcode\":431,\"errortext\":\"\\u001b]0;pwned\\u0007 echo " + Secret + "\"}}" },
            new object[] { 431, "{\"listzonesresponse\":{\"uuidList\":[],\"errorcode\":\"not a number\",\"errortext\":[1,{\"x\":null}]}}" },
            new object[] { 530, "{\"listzonesresponse\":{\"errorcode\":530,\"cserrorcode\":4250,\"errortext\":\"" + new string('A', 100_000) + "\"}}" },
            new object[] { 500, "" },
            new object[] { 401, "\u0000\u0001garbage" + Secret },
        };

        [Theory]
        [MemberData(nameof(Answers))]
        public async Task AnyAnswerGivesACleanError(int status, string body)
        {
            var handler = new FixedAnswer(status, body);
            var settings = CloudStackConnectionSettings.Create("http://stub/client/api", "k", new CloudStackSecret(Secret)).With(retryCount: 1, retryBaseDelay: TimeSpan.Zero, allowUnencryptedAuthentication: true);
            using var client = new CloudStackClient(settings, handler);
            var e = await Assert.ThrowsAnyAsync<CloudStackException>(() => client.ExecuteAsync("listZones", new Dictionary<string, string>(), CancellationToken.None));
            Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
            Assert.True(e.Message.Length < 2000, $"message of {e.Message.Length} characters");
            foreach (char c in e.Message) Assert.False(char.IsControl(c), $"control character U+{(int)c:X4} in: {e.Message}");
            Assert.Contains("listZones", e.Message);
            if (e is CloudStackApiException api) Assert.DoesNotContain(Secret, api.ErrorText ?? "", StringComparison.Ordinal);
        }
    }
}
