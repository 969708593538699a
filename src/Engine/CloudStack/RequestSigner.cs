using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Signs CloudStack API requests exactly the way the management server checks them (ApiServer.verifyRequest):
    /// every parameter but <c>signature</c>, sorted by name (ordinal, as Java's String order), each value encoded
    /// like Java's URLEncoder with '+' turned into %20, joined with '&amp;', lowercased, HMAC-SHA1 with the secret
    /// key, Base64.
    /// </summary>
    public static class RequestSigner
    {
        /// <summary>How long a signed request stays valid when the caller names no expiry.</summary>
        public static readonly TimeSpan DefaultExpiry = TimeSpan.FromMinutes(10);

        /// <summary>
        /// The full parameter list of a signed request, in the order it goes on the wire, with "signature" last.
        /// Adds apiKey, command, response=json, signatureversion=3 and expires.
        /// </summary>
        public static IReadOnlyList<KeyValuePair<string, string>> SignParameters(
            string command, IEnumerable<KeyValuePair<string, string>>? parameters, string apiKey, CloudStackSecret secret, DateTimeOffset expires)
        {
            if (string.IsNullOrEmpty(command)) throw new ArgumentException("No command given.", nameof(command));
            if (string.IsNullOrEmpty(apiKey)) throw new ArgumentException("No API key given.", nameof(apiKey));
            if (secret is null) throw new ArgumentNullException(nameof(secret));

            var all = new Dictionary<string, string>(StringComparer.Ordinal);
            if (parameters != null)
            {
                foreach (var p in parameters)
                {
                    if (string.IsNullOrEmpty(p.Key)) throw new ArgumentException("A parameter has no name.", nameof(parameters));
                    if (IsReserved(p.Key)) continue; // the signer owns these; a caller's copy would make two values
                    all[p.Key] = p.Value ?? "";
                }
            }
            all["apiKey"] = apiKey;
            all["command"] = command;
            all["response"] = "json";
            all["signatureversion"] = "3";
            all["expires"] = FormatExpires(expires);

            var sorted = all.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
            string signature = Sign(StringToSign(sorted), secret);
            sorted.Add(new KeyValuePair<string, string>("signature", signature));
            return sorted;
        }

        /// <summary>The query string (no leading '?') of a signed request, values encoded as they were signed.</summary>
        public static string BuildQuery(IEnumerable<KeyValuePair<string, string>> signedParameters) =>
            string.Join("&", signedParameters.Select(p => p.Key + "=" + Encode(p.Value)));

        /// <summary>The text CloudStack computes the HMAC over: sorted name=encoded-value pairs, lowercased.</summary>
        public static string StringToSign(IEnumerable<KeyValuePair<string, string>> parameters)
        {
            var sorted = parameters
                .Where(p => !string.Equals(p.Key, "signature", StringComparison.OrdinalIgnoreCase))
                .OrderBy(p => p.Key, StringComparer.Ordinal);
            return string.Join("&", sorted.Select(p => p.Key + "=" + Encode(p.Value))).ToLowerInvariant();
        }

        /// <summary>Base64 of HMAC-SHA1 over the UTF-8 bytes of <paramref name="stringToSign"/>.</summary>
        public static string Sign(string stringToSign, CloudStackSecret secret)
        {
            if (stringToSign is null) throw new ArgumentNullException(nameof(stringToSign));
            if (secret is null) throw new ArgumentNullException(nameof(secret));
            using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(secret.Reveal()));
            return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        }

        /// <summary>
        /// Java's URLEncoder.encode(value, "UTF-8") followed by CloudStack's replace of '+' with "%20": letters,
        /// digits and <c>. - * _</c> stay, everything else becomes %XX of its UTF-8 bytes (upper-case hex).
        /// </summary>
        public static string Encode(string? value)
        {
            if (string.IsNullOrEmpty(value)) return "";
            var sb = new StringBuilder(value!.Length + 16);
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                char c = (char)b;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*' || c == '_')
                    sb.Append(c);
                else
                    sb.Append('%').Append(((int)b).ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>
        /// The expires value: "yyyy-MM-ddTHH:mm:ss+0000", the one format every CloudStack release parses
        /// (older DateUtil knew only the RFC 822 offset, not "Z").
        /// </summary>
        public static string FormatExpires(DateTimeOffset expires) =>
            expires.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+0000";

        private static bool IsReserved(string name) =>
            string.Equals(name, "apiKey", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "command", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "response", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "signature", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "signatureversion", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "expires", StringComparison.OrdinalIgnoreCase);
    }
}
