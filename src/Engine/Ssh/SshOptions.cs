using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Errors;

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

        // Set by SysVmPatch itself; where one of its own settings decides the value, the refusal names that setting.
        private static readonly string[] Owned =
        {
            "HostName", "Port", "User", "IdentityFile", "IdentitiesOnly", "UserKnownHostsFile", "StrictHostKeyChecking",
            "BatchMode", "PasswordAuthentication", "KbdInteractiveAuthentication", "ConnectTimeout", "LogLevel", "ProxyJump",
            "ControlMaster", "ControlPath", "ControlPersist",
        };

        private static readonly Dictionary<string, (EngineOption Option, string Words)> SetFrom = new Dictionary<string, (EngineOption, string)>(StringComparer.OrdinalIgnoreCase)
        {
            ["IdentityFile"] = (EngineOption.KeyFile, "key file"),
            ["IdentitiesOnly"] = (EngineOption.KeyFile, "key file"),
            ["UserKnownHostsFile"] = (EngineOption.KnownHostsFile, "known_hosts file"),
            ["StrictHostKeyChecking"] = (EngineOption.KnownHostsFile, "known_hosts file"),
            ["ProxyJump"] = (EngineOption.JumpHost, "jump host"),
            ["ConnectTimeout"] = (EngineOption.ConnectTimeout, "connect timeout"),
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
                    throw SetFrom.TryGetValue(key, out var own)
                        ? new SshOptionException($"{shown} cannot be given as an SSH option: SysVmPatch sets it itself from its {own.Words} setting.") { Remedy = own.Option }
                        : new SshOptionException($"{shown} cannot be given as an SSH option: SysVmPatch sets it itself.");
                if (!IsAllowed(key))
                    throw new SshOptionException($"'{shown}' cannot be given as an SSH option: only options that tune the connection are accepted ({string.Join(", ", Allowed)}).");
                if (value.Length == 0 || value.Any(c => char.IsControl(c) || c == '"' || c == '\'' || c == '#' || c == '\\'))
                    throw new SshOptionException($"The value of SSH option {key} must be one line without quotes, '\\' or '#'.");
                if (!seen.Add(key)) throw new SshOptionException($"SSH option {key} is given twice.");
                string canonical = Allowed.First(a => a.Equals(key, StringComparison.OrdinalIgnoreCase));
                checkedOptions.Add(new KeyValuePair<string, string>(canonical, string.Join(" ", value.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))));
            }
            return checkedOptions.OrderBy(o => o.Key, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }

    /// <summary>An SSH option that is not taken; an ArgumentException, as a bad argument is.</summary>
    public sealed class SshOptionException : ArgumentException, IHasRemedy
    {
        public SshOptionException(string message) : base(message) { }

        /// <summary>The setting to use instead, when SysVmPatch sets the option from one of its own.</summary>
        public EngineOption? Remedy { get; init; }
    }
}
