using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// The server half of request signing, written apart from the engine's signer so a bug in one is caught by
    /// the other: decoded parameters sorted by name (ordinal), values re-encoded like Java's URLEncoder with
    /// '+' as %20, lowercased, HMAC-SHA1, Base64, compared in constant time; signatureversion 3 needs an
    /// expires that has not passed.
    /// </summary>
    internal static class FakeSignatureCheck
    {
        /// <summary>Null when the request is signed right with a known key; else why not (for the call log, not the client).</summary>
        public static string? Verify(IReadOnlyList<KeyValuePair<string, string>> parameters, string apiKey, string secretKey, bool enforceTimestamps, DateTimeOffset now)
        {
            string? signature = null, key = null, version = null, expires = null;
            var unsigned = new List<string>();
            foreach (var p in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (p.Key.Equals("signature", StringComparison.OrdinalIgnoreCase)) { signature = p.Value; continue; }
                if (p.Key.Equals("apiKey", StringComparison.OrdinalIgnoreCase)) key = p.Value;
                else if (p.Key.Equals("signatureVersion", StringComparison.OrdinalIgnoreCase)) version = p.Value;
                else if (p.Key.Equals("expires", StringComparison.OrdinalIgnoreCase)) expires = p.Value;
                unsigned.Add(p.Key + "=" + JavaUrlEncode(p.Value));
            }
            if (signature is null || key is null) return "missing signature or apiKey";
            if (version == "3")
            {
                if (expires is null) return "signatureversion 3 without expires";
                if (!TryParseExpires(expires, out var at)) return "unparseable expires";
                if (at < now) return "request expired";
                if (enforceTimestamps && at > now.AddMinutes(15)) return "expires too far ahead";
            }
            else if (enforceTimestamps) return "signatureversion 3 required";
            if (!string.Equals(key, apiKey, StringComparison.Ordinal)) return "unknown apiKey";

            string toSign = string.Join("&", unsigned).ToLowerInvariant();
            using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(secretKey));
            string expected = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(toSign)));
            return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.UTF8.GetBytes(signature)) ? null : "signature mismatch";
        }

        public static bool TryParseExpires(string text, out DateTimeOffset at)
        {
            string[] formats = { "yyyy-MM-dd'T'HH:mm:sszzzz", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK" };
            // Java's Z pattern writes +0000; .NET's zzz wants +00:00, so normalise the offset first.
            string t = text.Trim();
            if (t.Length > 5 && (t[t.Length - 5] == '+' || t[t.Length - 5] == '-') && char.IsDigit(t[t.Length - 1]) && t[t.Length - 3] != ':')
                t = t.Substring(0, t.Length - 2) + ":" + t.Substring(t.Length - 2);
            return DateTimeOffset.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at)
                || DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
        }

        private static string JavaUrlEncode(string value)
        {
            var sb = new StringBuilder();
            foreach (byte b in Encoding.UTF8.GetBytes(value))
            {
                bool keep = (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9')
                    || b == (byte)'.' || b == (byte)'-' || b == (byte)'*' || b == (byte)'_';
                if (keep) sb.Append((char)b);
                else if (b == (byte)' ') sb.Append("%20"); // URLEncoder's '+', which CloudStack turns into %20
                else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
