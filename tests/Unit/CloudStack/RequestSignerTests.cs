using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    public sealed class RequestSignerTests
    {
        // The CloudStack developer guide's example (DOMAIN.md).
        private const string GuideSecret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
        private const string GuideApiKey = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg";
        private const string GuideStringToSign = "apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg&command=listusers&response=json";
        private const string GuideSignature = "TTpdDq/7j/J58XCRHomKoQXEQds=";

        [Fact]
        public void SignsTheDeveloperGuideVector()
        {
            Assert.Equal(GuideSignature, RequestSigner.Sign(GuideStringToSign, new CloudStackSecret(GuideSecret)));
        }

        [Fact]
        public void BuildsTheGuideStringToSignFromParameters()
        {
            var parameters = new Dictionary<string, string> { ["command"] = "listUsers", ["apiKey"] = GuideApiKey, ["response"] = "json" };
            Assert.Equal(GuideStringToSign, RequestSigner.StringToSign(parameters));
        }

        [Theory]
        [InlineData("a b", "a%20b")]
        [InlineData("a+b", "a%2Bb")]
        [InlineData("x/y=z&w", "x%2Fy%3Dz%26w")]
        [InlineData("keep.-*_AZaz09", "keep.-*_AZaz09")]
        [InlineData("~!'()", "%7E%21%27%28%29")]
        [InlineData("é☃", "%C3%A9%E2%98%83")]
        [InlineData("", "")]
        public void EncodesLikeJavaUrlEncoderWithSpaceAsPercent20(string value, string expected)
        {
            Assert.Equal(expected, RequestSigner.Encode(value));
        }

        [Fact]
        public void ExpiresUsesTheOffsetEveryReleaseParses()
        {
            var t = new DateTimeOffset(2026, 1, 2, 4, 14, 5, TimeSpan.FromHours(1));
            Assert.Equal("2026-01-02T03:14:05+0000", RequestSigner.FormatExpires(t));
        }

        [Fact]
        public void SignedParametersCarryVersionExpiryAndSignatureLast()
        {
            var expires = new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero);
            var signed = RequestSigner.SignParameters("listRouters", new Dictionary<string, string> { ["listall"] = "true", ["signature"] = "forged", ["command"] = "other" },
                "KEY", new CloudStackSecret("s3cret"), expires);
            Assert.Equal(new[] { "apiKey", "command", "expires", "listall", "response", "signatureversion", "signature" }, signed.Select(p => p.Key));
            Assert.Equal("listRouters", signed.Single(p => p.Key == "command").Value);
            Assert.Equal("3", signed.Single(p => p.Key == "signatureversion").Value);
            Assert.Equal("2030-05-06T07:08:09+0000", signed.Single(p => p.Key == "expires").Value);
            Assert.Equal(Hmac("s3cret", "apikey=key&command=listrouters&expires=2030-05-06t07%3a08%3a09%2b0000&listall=true&response=json&signatureversion=3"),
                signed.Last().Value);
        }

        [Fact]
        public void ClientBuildsTheExactRequestUrl()
        {
            var settings = CloudStackConnectionSettings.Create("http://cloud.example:8080/client/api", "AbC-key", new CloudStackSecret("the-secret"), "lab").With(allowUnencryptedAuthentication: true);
            using var client = new CloudStackClient(settings);
            var now = new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
            var uri = client.BuildRequestUri("listRouters", new Dictionary<string, string> { ["keyword"] = "r 1+x", ["listall"] = "true" }, now);

            string toSign = "apikey=abc-key&command=listrouters&expires=2026-11-22t00%3a10%3a00%2b0000&keyword=r%201%2bx&listall=true&response=json&signatureversion=3";
            string signature = Hmac("the-secret", toSign);
            string expected = "http://cloud.example:8080/client/api?apiKey=AbC-key&command=listRouters&expires=2026-11-22T00%3A10%3A00%2B0000"
                + "&keyword=r%201%2Bx&listall=true&response=json&signatureversion=3&signature=" + JavaEncode(signature);
            Assert.Equal(expected, uri.AbsoluteUri);
            Assert.DoesNotContain("the-secret", uri.AbsoluteUri);
        }

        [Fact]
        public void SecretNeverPrints()
        {
            var secret = new CloudStackSecret("hunter2-very-secret");
            Assert.Equal(CloudStackSecret.Redacted, secret.ToString());
            Assert.Equal($"x {CloudStackSecret.Redacted} y", secret.Scrub("x hunter2-very-secret y"));
            var settings = CloudStackConnectionSettings.Create("https://cloud.example/client/api", "key", secret);
            Assert.DoesNotContain("hunter2", settings.ToString());
            Assert.DoesNotContain("hunter2", $"{settings}");
        }

        private static string Hmac(string key, string text)
        {
            using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(key));
            return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }

        // Base64's three special characters, encoded by hand rather than by the code under test.
        private static string JavaEncode(string base64) => base64.Replace("+", "%2B").Replace("/", "%2F").Replace("=", "%3D");
    }
}
