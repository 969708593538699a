using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// What SysVmPatch offers the servers: post-quantum and curve25519 key exchange first, AEAD ciphers first,
    /// encrypt-then-MAC first; nothing with SHA-1, CBC, 3DES, DSA or the 1024-bit group1.
    /// </summary>
    internal static class AlgorithmPolicy
    {
        private static readonly string[] KexOrder =
        {
            "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256", "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
            "diffie-hellman-group16-sha512", "diffie-hellman-group14-sha256", "diffie-hellman-group-exchange-sha256",
        };
        private static readonly string[] CipherOrder =
        {
            "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com",
            "aes128-ctr", "aes192-ctr", "aes256-ctr",
        };
        private static readonly string[] MacOrder =
        {
            "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
        };
        private static readonly string[] HostKeyOrder =
        {
            "ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519",
            "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
            "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-256",
        };

        /// <summary>Whether a name is one SysVmPatch never offers, whatever a later SSH.NET adds by default.</summary>
        internal static bool Refused(string name) =>
            name.IndexOf("sha1", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("-cbc", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("group1-", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("3des", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("md5", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("arcfour", StringComparison.OrdinalIgnoreCase) >= 0
            || name.IndexOf("dss", StringComparison.OrdinalIgnoreCase) >= 0
            || name == "ssh-rsa" || name == "ssh-rsa-cert-v01@openssh.com"; // RSA signed with SHA-1

        public static void Apply(ConnectionInfo info)
        {
            Reorder(info.KeyExchangeAlgorithms, KexOrder);
            Reorder(info.Encryptions, CipherOrder);
            Reorder(info.HmacAlgorithms, MacOrder);
            Reorder(info.HostKeyAlgorithms, HostKeyOrder);
            // Compression costs CPU for payloads that are already compressed (agent.zip, cloud-scripts.tgz).
            foreach (var name in info.CompressionAlgorithms.Keys.Where(k => k != "none").ToList()) info.CompressionAlgorithms.Remove(name);
        }

        /// <summary>
        /// The operator's -SshOption algorithm lists (KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms: a plain comma
        /// list, in preference order) narrow what is offered; anything else, or a name this transport cannot offer, is
        /// refused by name (the OpenSSH transport, -Transport OpenSsh, takes any ssh_config option).
        /// </summary>
        public static void ApplyOperatorOptions(ConnectionInfo info, IEnumerable<KeyValuePair<string, string>> options)
        {
            foreach (var option in options)
            {
                string key = option.Key.ToLowerInvariant();
                if (key == "kexalgorithms") Narrow(info.KeyExchangeAlgorithms, option);
                else if (key == "ciphers") Narrow(info.Encryptions, option);
                else if (key == "macs") Narrow(info.HmacAlgorithms, option);
                else if (key == "hostkeyalgorithms") Narrow(info.HostKeyAlgorithms, option);
                else throw new SshException(SshErrorKind.Unknown, $"The SSH option {option.Key} is not supported by the SSH.NET transport (it takes KexAlgorithms, Ciphers, MACs and HostKeyAlgorithms); use the OpenSSH transport for other ssh_config options.") { Remedy = Errors.EngineOption.OpenSshTransport };
            }
        }

        private static void Narrow<T>(IDictionary<string, T> algorithms, KeyValuePair<string, string> option)
        {
            var names = option.Value.Split(',').Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
            if (names.Count == 0 || names.Any(n => "+-^".IndexOf(n[0]) >= 0))
                throw new SshException(SshErrorKind.Unknown, $"The SSH option {option.Key} '{option.Value}' must be a plain comma-separated list for the SSH.NET transport (no +, - or ^ forms).");
            var missing = names.Where(n => !algorithms.ContainsKey(n)).ToList();
            if (missing.Count > 0)
                throw new SshException(SshErrorKind.Unknown, $"The SSH option {option.Key} names what the SSH.NET transport does not offer: {string.Join(", ", missing)} (it offers {string.Join(", ", algorithms.Keys)}).");
            var kept = names.Select(n => new KeyValuePair<string, T>(n, algorithms[n])).ToList();
            algorithms.Clear();
            foreach (var a in kept) algorithms.Add(a.Key, a.Value);
        }

        // SSH.NET offers its dictionaries in insertion order; Clear resets that order, so re-adding sets preference.
        private static void Reorder<T>(IDictionary<string, T> algorithms, string[] order)
        {
            var kept = algorithms.Where(a => !Refused(a.Key)).ToList();
            var ordered = order.Select(n => kept.FirstOrDefault(a => a.Key == n)).Where(a => a.Key != null)
                .Concat(kept.Where(a => !order.Contains(a.Key))).ToList();
            algorithms.Clear();
            foreach (var a in ordered) algorithms.Add(a.Key, a.Value);
        }
    }
}
