using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Extra ssh_config options an operator passes to every hop (-SshOption, as New-PSSession -Options does for
    /// PowerShell's own SSH transport): a faster key exchange, a cipher policy, host key algorithms for old
    /// templates, keepalives. An allow-list: only options that tune the connection itself are taken. Anything
    /// else could load code (PKCS11Provider, SecurityKeyProvider), run commands (ProxyCommand, LocalCommand),
    /// widen what the VM can reach on the workstation (ForwardAgent, the forwards, Tunnel, SendEnv/SetEnv) or
    /// weaken host key checks, and is refused with the list of what is allowed.
    /// </summary>
    public static class SshOptions
    {
        /// <summary>The options -SshOption accepts, as ssh_config spells them.</summary>
        public static readonly IReadOnlyList<string> Allowed = new[]
        {
            // algorithms
            "Ciphers", "MACs", "KexAlgorithms", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms", "PubkeyAcceptedKeyTypes",
            "CASignatureAlgorithms", "RequiredRSASize",
            // keepalives, timing, transport
            "ServerAliveInterval", "ServerAliveCountMax", "TCPKeepAlive", "IPQoS", "Compression", "ConnectionAttempts",
            "RekeyLimit", "AddressFamily", "ObscureKeystrokeTiming",
        };

        // Set by SysVmPatch from the cmdlets' own parameters: say which parameter to use instead.
        private static readonly string[] Owned =
        {
            "HostName", "Port", "User", "IdentityFile", "IdentitiesOnly", "UserKnownHostsFile", "StrictHostKeyChecking",
            "BatchMode", "PasswordAuthentication", "KbdInteractiveAuthentication", "ConnectTimeout", "LogLevel", "ProxyJump",
            "ControlMaster", "ControlPath", "ControlPersist",
        };

        /// <summary>True when <paramref name="key"/> is on the allow-list (case-insensitive, as ssh_config is).</summary>
        public static bool IsAllowed(string? key) => key != null && Allowed.Contains(key, StringComparer.OrdinalIgnoreCase);

        /// <summary>The options, checked and in a stable order; throws ArgumentException naming what is wrong and what is allowed.</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Check(IEnumerable<KeyValuePair<string, string>> options)
        {
            var checkedOptions = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var option in options)
            {
                string key = option.Key?.Trim() ?? "";
                string value = option.Value?.Trim() ?? "";
                string shown = Text.ConsoleText.Escape(key, 60);
                if (Owned.Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw new ArgumentException($"{shown} cannot be given as an SSH option: SysVmPatch sets it itself (use the cmdlet's own parameters such as -KeyFile, -KnownHostsFile, -JumpHost, -ConnectTimeoutSec).");
                if (!IsAllowed(key))
                    throw new ArgumentException($"'{shown}' cannot be given as an SSH option: only options that tune the connection are accepted ({string.Join(", ", Allowed)}).");
                if (value.Length == 0 || value.Any(c => char.IsControl(c) || c == '"' || c == '\'' || c == '#' || c == '\\'))
                    throw new ArgumentException($"The value of SSH option {key} must be one line without quotes, '\\' or '#'.");
                if (!seen.Add(key)) throw new ArgumentException($"SSH option {key} is given twice.");
                string canonical = Allowed.First(a => a.Equals(key, StringComparison.OrdinalIgnoreCase));
                checkedOptions.Add(new KeyValuePair<string, string>(canonical, string.Join(" ", value.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))));
            }
            return checkedOptions.OrderBy(o => o.Key, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
