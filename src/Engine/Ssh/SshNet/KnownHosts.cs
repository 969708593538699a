using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>What known_hosts says about a presented host key.</summary>
    public enum HostKeyVerdict
    {
        /// <summary>A matching line holds this key, or a matching @cert-authority signed its valid certificate.</summary>
        Trusted,
        /// <summary>No matching line holds a key of this type (ssh: "No ... host key is known").</summary>
        Unknown,
        /// <summary>Matching lines hold a different key of the same type (ssh: "REMOTE HOST IDENTIFICATION HAS CHANGED").</summary>
        Changed,
        /// <summary>The key (or its certificate's CA) is marked @revoked.</summary>
        Revoked,
    }

    /// <summary>A host certificate as far as known_hosts checking needs it; the signature is checked by SSH.NET.</summary>
    public sealed record HostCertificate(string CaKeyType, byte[] CaKey, bool IsHostCertificate, IReadOnlyList<string> Principals, DateTimeOffset ValidAfter, DateTimeOffset ValidBefore);

    /// <summary>
    /// OpenSSH known_hosts files, read to fail closed: only a matching line with the same key, or a valid
    /// certificate from a matching @cert-authority, is trusted; revoked keys are refused even where another line
    /// trusts them. Lines that cannot be read trust nothing.
    /// </summary>
    public sealed class KnownHosts
    {
        private readonly List<KnownHostsLine> _lines;

        private KnownHosts(List<KnownHostsLine> lines) => _lines = lines;

        public int LineCount => _lines.Count;

        /// <summary>Reads the files that exist among <paramref name="paths"/>; an unreadable existing file is an error.</summary>
        public static KnownHosts Load(IEnumerable<string> paths)
        {
            var lines = new List<KnownHostsLine>();
            foreach (var path in paths)
            {
                if (!File.Exists(path)) continue;
                foreach (var text in File.ReadAllLines(path))
                {
                    var line = KnownHostsLine.Parse(text);
                    if (line != null) lines.Add(line);
                }
            }
            return new KnownHosts(lines);
        }

        public static KnownHosts Parse(string text) =>
            new KnownHosts(text.Split('\n').Select(KnownHostsLine.Parse).Where(l => l != null).Select(l => l!).ToList());

        /// <summary>The files OpenSSH reads: the given file (else ~/.ssh/known_hosts and known_hosts2) and the global ones.</summary>
        public static IReadOnlyList<string> DefaultPaths(string? userFile)
        {
            var paths = new List<string>();
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (userFile != null) paths.Add(userFile);
            else
            {
                paths.Add(Path.Combine(home, ".ssh", "known_hosts"));
                paths.Add(Path.Combine(home, ".ssh", "known_hosts2"));
            }
            string global = Path.DirectorySeparatorChar == '\\'
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "ssh")
                : "/etc/ssh";
            paths.Add(Path.Combine(global, "ssh_known_hosts"));
            paths.Add(Path.Combine(global, "ssh_known_hosts2"));
            return paths;
        }

        /// <summary>
        /// Checks a host key presented by <paramref name="host"/>:<paramref name="port"/> (the host's real address as
        /// known_hosts names it, never a local forward's 127.0.0.1). <paramref name="keyType"/> and
        /// <paramref name="key"/> are the plain key's type and wire blob (a certificate's own key when one is given).
        /// </summary>
        public HostKeyVerdict Check(string host, int port, string keyType, byte[] key, HostCertificate? certificate = null, DateTimeOffset? now = null)
        {
            string name = HostPatternList.NameFor(host, port);
            var matching = _lines.Where(l => l.Hosts.Matches(name)).ToList();

            if (matching.Any(l => l.Marker == KnownHostsMarker.Revoked && (l.Holds(keyType, key) || certificate != null && l.Holds(certificate.CaKeyType, certificate.CaKey))))
                return HostKeyVerdict.Revoked;

            if (certificate != null)
            {
                // A certificate is trusted only through a @cert-authority line; it never falls back to a plain key line
                // (OpenSSH does the same: a host presenting a certificate is checked as a certificate).
                bool caKnown = matching.Any(l => l.Marker == KnownHostsMarker.CertAuthority && l.Holds(certificate.CaKeyType, certificate.CaKey));
                return caKnown && CertificateValidFor(certificate, host, now ?? DateTimeOffset.UtcNow) ? HostKeyVerdict.Trusted : HostKeyVerdict.Unknown;
            }

            var plain = matching.Where(l => l.Marker == KnownHostsMarker.None).ToList();
            if (plain.Any(l => l.Holds(keyType, key))) return HostKeyVerdict.Trusted;
            return plain.Any(l => l.KeyType == keyType) ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
        }

        private static bool CertificateValidFor(HostCertificate certificate, string host, DateTimeOffset now) =>
            certificate.IsHostCertificate
            && now >= certificate.ValidAfter && now < certificate.ValidBefore
            // OpenSSH requires principals for host certificates and compares them with the host name as given.
            && certificate.Principals.Any(p => string.Equals(p, host, StringComparison.OrdinalIgnoreCase));
    }
}
