using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Writes the ssh_config for one VM's connection: a Host block for the VM and one per jump hop. Jump hops
    /// get their own blocks because ssh passes -F, not -o options, to the ProxyJump child. Whatever its callers
    /// checked, it writes no value that could end a line, start a comment or open a quote (<see cref="SshValues"/>):
    /// a refused value throws ArgumentException and no config is written.
    /// </summary>
    public static class SshConfigWriter
    {
        /// <summary>The config text. <paramref name="controlPath"/> null: no connection sharing (Windows OpenSSH).</summary>
        public static string Write(string alias, SshRoute route, string? controlPath)
        {
            if (route == null) throw new ArgumentNullException(nameof(route));
            var sb = new StringBuilder();
            sb.Append("# Written by SysVmPatch for one run; deleted when the run ends.\n");
            var jumpAliases = new List<string>();
            for (int i = 0; i < route.Jumps.Count; i++)
            {
                string jumpAlias = alias + "-jump" + i.ToString(CultureInfo.InvariantCulture);
                jumpAliases.Add(jumpAlias);
                WriteHostBlock(sb, jumpAlias, route.Jumps[i], route, i == 0 ? null : jumpAliases[i - 1], controlPath: null);
            }
            WriteHostBlock(sb, alias, route.Target, route, jumpAliases.Count == 0 ? null : jumpAliases[jumpAliases.Count - 1], controlPath);
            return sb.ToString();
        }

        private static void WriteHostBlock(StringBuilder sb, string alias, SshHop hop, SshRoute route, string? proxyJump, string? controlPath)
        {
            sb.Append("Host ").Append(SshValues.Token(alias, "The host alias")).Append('\n');
            // The operator's tuning first: for each key ssh takes the first value, so these win over the defaults
            // below (ServerAliveInterval), and the allow-list keeps them off everything SysVmPatch must decide.
            foreach (var option in route.ExtraOptions)
            {
                if (!SshOptions.IsAllowed(option.Key)) throw new ArgumentException($"SSH option '{Text.ConsoleText.Escape(option.Key, 60)}' is not one SysVmPatch passes on.");
                Words(sb, option.Key, option.Value);
            }
            Line(sb, "HostName", hop.Host);
            Line(sb, "Port", hop.Port.ToString(CultureInfo.InvariantCulture));
            Line(sb, "User", hop.User);
            if (hop.IdentityFile != null)
            {
                PathLine(sb, "IdentityFile", hop.IdentityFile);
                // Only the given key: an agent full of keys would hit MaxAuthTries before the right one.
                Line(sb, "IdentitiesOnly", "yes");
            }
            if (route.KnownHostsFile != null) PathLine(sb, "UserKnownHostsFile", route.KnownHostsFile);
            Line(sb, "StrictHostKeyChecking", route.StrictHostKeyChecking ? "yes" : "no");
            // Unattended: never prompt for a password or a host key.
            Line(sb, "BatchMode", "yes");
            Line(sb, "PasswordAuthentication", "no");
            Line(sb, "KbdInteractiveAuthentication", "no");
            Line(sb, "ConnectTimeout", Math.Max(1, (int)Math.Ceiling(route.ConnectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            Line(sb, "ServerAliveInterval", "10");
            Line(sb, "ServerAliveCountMax", "3");
            Line(sb, "LogLevel", "ERROR");
            if (proxyJump != null) Line(sb, "ProxyJump", proxyJump);
            if (controlPath != null)
            {
                Line(sb, "ControlMaster", "auto");
                PathLine(sb, "ControlPath", controlPath);
                // The session owns its master process; nothing should outlive the run in the background.
                Line(sb, "ControlPersist", "no");
            }
            else
            {
                Line(sb, "ControlMaster", "no");
                Line(sb, "ControlPath", "none");
            }
            sb.Append('\n');
        }

        // One bare token: no whitespace, quote, '#' or control character can reach the file.
        private static void Line(StringBuilder sb, string key, string value) =>
            sb.Append("  ").Append(OptionName(key)).Append(' ').Append(SshValues.Token(value, "The value of " + key)).Append('\n');

        // An operator's option may take several words (RekeyLimit 1G 1h), each one a bare token, one space apart.
        private static void Words(StringBuilder sb, string key, string value)
        {
            var words = (value ?? "").Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw new ArgumentException($"The value of SSH option {OptionName(key)} is empty.");
            sb.Append("  ").Append(OptionName(key));
            foreach (var word in words) sb.Append(' ').Append(SshValues.Token(word, "The value of " + key));
            sb.Append('\n');
        }

        private static string OptionName(string key)
        {
            foreach (char c in key ?? "")
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
                    throw new ArgumentException($"'{Text.ConsoleText.Escape(key, 60)}' is not an ssh_config option name.");
            return string.IsNullOrEmpty(key) ? throw new ArgumentException("An ssh_config option has no name.") : key!;
        }

        // A path in double quotes (it may hold spaces), itself one line without quotes or '#'.
        private static void PathLine(StringBuilder sb, string key, string path) =>
            sb.Append("  ").Append(key).Append(" \"").Append(SshValues.Path(path, "The " + key)).Append("\"\n");

        /// <summary>An alias made of the VM name's safe characters, unique through the caller's counter.</summary>
        public static string AliasFor(string name, int number)
        {
            var sb = new StringBuilder("svp").Append(number.ToString(CultureInfo.InvariantCulture)).Append('-');
            foreach (char c in name) sb.Append(char.IsLetterOrDigit(c) || c == '-' || c == '.' || c == '_' ? c : '_');
            return sb.ToString();
        }
    }
}
