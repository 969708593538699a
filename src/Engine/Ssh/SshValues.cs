using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// The checks every value passes before it becomes a host, user, port or path of an SSH connection. Values come
    /// from the CloudStack API and from parameters, and end up in an ssh_config or on ssh's command line: a newline
    /// would add config lines (a ProxyCommand run on the workstation), a leading '-' would read as an option. So a
    /// host is an IP address or a strict DNS name, a user a strict account name, a path one line without quotes.
    /// Each check throws <see cref="ArgumentException"/> naming <c>what</c> and the (cleaned) value.
    /// </summary>
    public static class SshValues
    {
        // RFC 1123 labels: letters, digits, inner hyphens; at most 253 characters in all.
        private static readonly Regex HostName = new Regex(@"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$", RegexOptions.CultureInvariant);
        // POSIX-portable account names (as useradd accepts them), never starting with '-'.
        private static readonly Regex UserName = new Regex(@"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$", RegexOptions.CultureInvariant);

        /// <summary>An IPv4 or IPv6 address written plainly (no zone, no brackets, nothing after it); returns it unchanged.</summary>
        public static string IpAddress(string? value, string what)
        {
            string v = value ?? "";
            bool plain = v.Length > 0 && v.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':');
            if (!plain || !System.Net.IPAddress.TryParse(v, out var ip)
                || (ip.AddressFamily == AddressFamily.InterNetwork && v.Count(c => c == '.') != 3))
                throw new ArgumentException($"{what} '{Show(v)}' is not an IP address.");
            return v;
        }

        /// <summary>An IP address or a DNS host name (letters, digits, hyphens and dots; never starting with '-').</summary>
        public static string Host(string? value, string what)
        {
            string v = value ?? "";
            if (v.IndexOf(':') >= 0 || (v.Length > 0 && v.All(c => char.IsDigit(c) || c == '.'))) return IpAddress(v, what);
            if (!HostName.IsMatch(v)) throw new ArgumentException($"{what} '{Show(v)}' is neither an IP address nor a host name (letters, digits, '-' and '.').");
            return v;
        }

        /// <summary>A login name: a letter or '_' first, then letters, digits, '_', '.', '-'; at most 32 characters.</summary>
        public static string User(string? value, string what)
        {
            string v = value ?? "";
            if (!UserName.IsMatch(v)) throw new ArgumentException($"{what} '{Show(v)}' is not a user name (a letter or '_' first, then letters, digits, '_', '.' or '-').");
            return v;
        }

        public static int Port(int value, string what) =>
            value > 0 && value < 65536 ? value : throw new ArgumentException($"{what} {value.ToString(CultureInfo.InvariantCulture)} is not a TCP port (1-65535).");

        /// <summary>A file path for ssh_config (written in double quotes): one line, no double quote, no '#', no control characters.</summary>
        public static string Path(string? value, string what)
        {
            string v = value ?? "";
            if (v.Length == 0 || v.Any(c => char.IsControl(c) || c == '"' || c == '#' || c == '\u2028' || c == '\u2029'))
                throw new ArgumentException($"{what} '{Show(v)}' cannot be used for SSH: a path must be one line without '\"' or '#'.");
            return v;
        }

        /// <summary>
        /// A value written bare into ssh_config: no whitespace, no control characters, no '#', no quotes or
        /// backslashes, so it stays one token of one line whatever it holds.
        /// </summary>
        public static string Token(string? value, string what)
        {
            string v = value ?? "";
            if (v.Length == 0 || v.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '#' || c == '"' || c == '\'' || c == '\\' || c == '\u2028' || c == '\u2029'))
                throw new ArgumentException($"{what} '{Show(v)}' cannot be written to an ssh_config: one word without spaces, quotes, '\\' or '#'.");
            return v;
        }

        // The offending value, safe to print: control characters shown as escapes, cut to a readable length.
        private static string Show(string v) => Text.ConsoleText.Escape(v, 120);
    }
}
