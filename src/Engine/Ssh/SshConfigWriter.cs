using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Writes the ssh_config for one VM's connection: a Host block for the VM and one per jump hop. Jump hops
    /// get their own blocks because ssh passes -F, not -o options, to the ProxyJump child.
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
            sb.Append("Host ").Append(alias).Append('\n');
            Line(sb, "HostName", hop.Host);
            Line(sb, "Port", hop.Port.ToString(CultureInfo.InvariantCulture));
            Line(sb, "User", hop.User);
            if (hop.IdentityFile != null)
            {
                Line(sb, "IdentityFile", Quote(hop.IdentityFile));
                // Only the given key: an agent full of keys would hit MaxAuthTries before the right one.
                Line(sb, "IdentitiesOnly", "yes");
            }
            if (route.KnownHostsFile != null) Line(sb, "UserKnownHostsFile", Quote(route.KnownHostsFile));
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
                Line(sb, "ControlPath", Quote(controlPath));
                // The session owns its master process; nothing should outlive the run in the background.
                Line(sb, "ControlPersist", "no");
            }
            else
            {
                Line(sb, "ControlMaster", "no");
                Line(sb, "ControlPath", "none");
            }
            // Last, after everything SysVmPatch sets (SshOptions refuses those keys anyway: the first value wins).
            foreach (var option in route.ExtraOptions) Line(sb, option.Key, option.Value);
            sb.Append('\n');
        }

        private static void Line(StringBuilder sb, string key, string value) =>
            sb.Append("  ").Append(key).Append(' ').Append(value).Append('\n');

        private static string Quote(string path)
        {
            if (path.IndexOf('"') >= 0 || path.IndexOf('\n') >= 0) throw new ArgumentException($"The path '{path}' cannot be written to an ssh_config.");
            return "\"" + path + "\"";
        }

        /// <summary>An alias made of the VM name's safe characters, unique through the caller's counter.</summary>
        public static string AliasFor(string name, int number)
        {
            var sb = new StringBuilder("svp").Append(number.ToString(CultureInfo.InvariantCulture)).Append('-');
            foreach (char c in name) sb.Append(char.IsLetterOrDigit(c) || c == '-' || c == '.' || c == '_' ? c : '_');
            return sb.ToString();
        }
    }
}
