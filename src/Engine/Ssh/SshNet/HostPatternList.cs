using System;
using System.Security.Cryptography;
using System.Text;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// The host field of a known_hosts line: comma-separated patterns with * and ?, "!" negations, "[host]:port"
    /// forms, or one hashed "|1|salt|hash" entry (HMAC-SHA1 of the host name keyed by the salt), as sshd(8)
    /// describes. A line matches when some positive pattern matches and no negated one does.
    /// </summary>
    internal sealed class HostPatternList
    {
        private readonly string[] _patterns;
        private readonly byte[]? _salt;
        private readonly byte[]? _hash;

        private HostPatternList(string[] patterns, byte[]? salt, byte[]? hash)
        {
            _patterns = patterns;
            _salt = salt;
            _hash = hash;
        }

        /// <summary>Null when the field is not a readable pattern list (the line is then ignored: it trusts nothing).</summary>
        public static HostPatternList? Parse(string field)
        {
            if (field.StartsWith("|1|", StringComparison.Ordinal))
            {
                var parts = field.Substring(3).Split('|');
                if (parts.Length != 2) return null;
                try
                {
                    var salt = Convert.FromBase64String(parts[0]);
                    var hash = Convert.FromBase64String(parts[1]);
                    return salt.Length == 20 && hash.Length == 20 ? new HostPatternList(Array.Empty<string>(), salt, hash) : null;
                }
                catch (FormatException) { return null; }
            }
            if (field.StartsWith("|", StringComparison.Ordinal)) return null; // another hash scheme: not ours to guess
            var patterns = field.Split(',');
            foreach (var p in patterns) if (p.Length == 0 || p == "!") return null;
            return new HostPatternList(patterns, null, null);
        }

        /// <summary>How known_hosts names a host: "host" on port 22, "[host]:port" elsewhere; lower case, as ssh does.</summary>
        public static string NameFor(string host, int port)
        {
            string h = host.ToLowerInvariant();
            return port == 22 ? h : "[" + h + "]:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool Matches(string knownHostsName)
        {
            if (_hash != null)
            {
                using var hmac = new HMACSHA1(_salt!);
                var computed = hmac.ComputeHash(Encoding.UTF8.GetBytes(knownHostsName));
                return FixedTimeEquals(computed, _hash);
            }
            bool positive = false;
            foreach (var pattern in _patterns)
            {
                bool negated = pattern[0] == '!';
                string p = negated ? pattern.Substring(1) : pattern;
                if (!Wildcard(p.ToLowerInvariant(), 0, knownHostsName, 0)) continue;
                if (negated) return false;
                positive = true;
            }
            return positive;
        }

        // Glob match: * any run of characters, ? one character; everything else literal.
        private static bool Wildcard(string p, int pi, string s, int si)
        {
            while (pi < p.Length)
            {
                char c = p[pi];
                if (c == '*')
                {
                    while (pi < p.Length && p[pi] == '*') pi++;
                    if (pi == p.Length) return true;
                    for (int k = si; k <= s.Length; k++)
                        if (Wildcard(p, pi, s, k)) return true;
                    return false;
                }
                if (si == s.Length) return false;
                if (c != '?' && c != s[si]) return false;
                pi++;
                si++;
            }
            return si == s.Length;
        }

        private static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            int diff = 0;
            for (int i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }
    }
}
