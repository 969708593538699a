using System;
using System.Linq;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Turns ssh's exit code 255 and its stderr into a <see cref="SshException"/> that says which hop failed and why.
    /// </summary>
    public static class SshErrorClassifier
    {
        public static SshException Classify(SshRoute route, string vmName, string stderr)
        {
            string text = (stderr ?? "").Trim();
            string firstLines = string.Join(" | ", text.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Where(l => l.Length > 0).Take(3));
            SshErrorKind kind = KindOf(text);

            // ssh names the host it failed to reach ("connect to host 198.18.1.1 port 22: ..."): a jump hop's address means the jump failed.
            var jump = route.Jumps.FirstOrDefault(j => Mentions(text, j.Host, j.Port));
            bool jumpCouldNotForward = text.IndexOf("stdio forwarding failed", StringComparison.OrdinalIgnoreCase) >= 0
                || text.IndexOf("channel 0: open failed", StringComparison.OrdinalIgnoreCase) >= 0;
            if (jump != null && kind != SshErrorKind.HostKeyVerificationFailed)
                return new SshException(SshErrorKind.JumpHostFailed, $"{vmName}: jump host {jump} failed: {Describe(kind)} ({firstLines})", jump.ToString());
            if (jumpCouldNotForward && route.Jumps.Count > 0)
                return new SshException(SshErrorKind.JumpHostFailed, $"{vmName}: jump host {route.Jumps[route.Jumps.Count - 1]} could not reach {route.Target.Host}:{route.Target.Port} ({firstLines})", route.Jumps[route.Jumps.Count - 1].ToString());

            string where = route.Jumps.Count == 0 ? route.Target.ToString() : $"{route.Target} via {route.Jumps[route.Jumps.Count - 1]}";
            return new SshException(kind, $"{vmName}: {Describe(kind)} on {where} ({(firstLines.Length == 0 ? "ssh exited with 255 and no message" : firstLines)})", route.Target.ToString());
        }

        internal static SshErrorKind KindOf(string text)
        {
            bool Has(string s) => text.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0;
            if (Has("Host key verification failed") || Has("REMOTE HOST IDENTIFICATION HAS CHANGED") || Has("host key for") && Has("has changed")) return SshErrorKind.HostKeyVerificationFailed;
            if (Has("Permission denied") || Has("Too many authentication failures") || Has("no matching host key type")) return SshErrorKind.AuthenticationFailed;
            if (Has("Connection refused")) return SshErrorKind.ConnectionRefused;
            if (Has("Connection timed out") || Has("Operation timed out") || Has("timed out during banner exchange")) return SshErrorKind.ConnectionTimedOut;
            if (Has("No route to host") || Has("Network is unreachable") || Has("Host is unreachable")) return SshErrorKind.HostUnreachable;
            if (Has("Could not resolve hostname") || Has("Name or service not known")) return SshErrorKind.NameResolutionFailed;
            if (Has("Connection reset") || Has("Broken pipe") || Has("closed by remote host") || Has("Connection closed by") || Has("kex_exchange_identification") || Has("Timeout, server")) return SshErrorKind.ConnectionLost;
            return SshErrorKind.Unknown;
        }

        private static bool Mentions(string text, string host, int port) =>
            text.IndexOf("host " + host + " port " + port, StringComparison.OrdinalIgnoreCase) >= 0
            || text.IndexOf("by " + host + " port " + port, StringComparison.OrdinalIgnoreCase) >= 0
            || text.IndexOf("hostname " + host + ":", StringComparison.OrdinalIgnoreCase) >= 0;

        public static string Describe(SshErrorKind kind) => kind switch
        {
            SshErrorKind.HostKeyVerificationFailed => "host key verification failed (unknown or changed key; check the known_hosts file)",
            SshErrorKind.AuthenticationFailed => "authentication refused (check the key file)",
            SshErrorKind.ConnectionRefused => "connection refused",
            SshErrorKind.ConnectionTimedOut => "connection timed out",
            SshErrorKind.HostUnreachable => "host unreachable",
            SshErrorKind.NameResolutionFailed => "host name not resolved",
            SshErrorKind.ConnectionLost => "connection lost",
            SshErrorKind.CommandTimedOut => "command timed out",
            SshErrorKind.JumpHostFailed => "jump host failed",
            SshErrorKind.ClientMissing => "no ssh client found",
            _ => "ssh failed",
        };
    }
}
