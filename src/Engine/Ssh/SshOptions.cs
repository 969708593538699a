using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Extra ssh_config options an operator passes to every hop (-SshOption, as New-PSSession -Options does for
    /// PowerShell's own SSH transport): a faster key exchange, a cipher policy, host key algorithms for old
    /// templates. Options that shape how SysVmPatch connects, or that run commands, are refused with a reason.
    /// </summary>
    public static class SshOptions
    {
        // Set by SysVmPatch for every hop; a second value would be ignored by ssh (the first one wins), so refuse it.
        private static readonly string[] Owned =
        {
            "HostName", "Port", "User", "IdentityFile", "IdentitiesOnly", "UserKnownHostsFile", "StrictHostKeyChecking",
            "BatchMode", "PasswordAuthentication", "KbdInteractiveAuthentication", "ConnectTimeout", "ServerAliveInterval",
            "ServerAliveCountMax", "LogLevel", "ProxyJump", "ControlMaster", "ControlPath", "ControlPersist",
        };

        // Would start commands on the workstation, change the file's structure, or hand the route to something else.
        private static readonly string[] Refused = { "Host", "Match", "Include", "ProxyCommand", "LocalCommand", "PermitLocalCommand", "RemoteCommand", "KnownHostsCommand" };

        /// <summary>The options, checked and in a stable order; throws ArgumentException naming what is wrong.</summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Check(IEnumerable<KeyValuePair<string, string>> options)
        {
            var checkedOptions = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var option in options)
            {
                string key = option.Key?.Trim() ?? "";
                string value = option.Value?.Trim() ?? "";
                if (key.Length == 0 || !key.All(c => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                    throw new ArgumentException($"'{key}' is not an ssh_config option name (letters and digits only, as in KexAlgorithms).");
                if (Owned.Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw new ArgumentException($"{key} cannot be given as an SSH option: SysVmPatch sets it itself (use the cmdlet's own parameters such as -KeyFile, -KnownHostsFile, -JumpHost, -ConnectTimeoutSec).");
                if (Refused.Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw new ArgumentException($"{key} cannot be given as an SSH option: it would run commands or reroute connections outside SysVmPatch's control.");
                if (value.Length == 0 || value.IndexOfAny(new[] { '\r', '\n', '"', '#' }) >= 0)
                    throw new ArgumentException($"The value of SSH option {key} must be one line without quotes or '#'.");
                if (!seen.Add(key)) throw new ArgumentException($"SSH option {key} is given twice.");
                checkedOptions.Add(new KeyValuePair<string, string>(key, value));
            }
            return checkedOptions.OrderBy(o => o.Key, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
