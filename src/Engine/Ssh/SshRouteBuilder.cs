using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Decides the route to a VM from CloudStack's topology: KVM and XenServer VMs only answer on their link-local
    /// IP from their own hypervisor host, so the route jumps through it; VMware VMs answer on their private IP.
    /// </summary>
    public static class SshRouteBuilder
    {
        public static SshRoute Build(SystemVm vm, SshRouteOptions options)
        {
            if (vm == null) throw new ArgumentNullException(nameof(vm));
            if (options == null) throw new ArgumentNullException(nameof(options));

            bool viaHost = !IsVmware(vm.Hypervisor);
            string? address = viaHost ? vm.LinkLocalIp : (vm.PrivateIp ?? vm.LinkLocalIp);
            if (string.IsNullOrEmpty(address))
                throw new SshRouteException($"{vm.Name}: no {(viaHost ? "link-local" : "private")} IP known; cannot reach it over SSH.");

            var jumps = new List<SshHop>();
            if (!options.Direct)
            {
                if (!string.IsNullOrEmpty(options.JumpHost))
                    jumps.Add(ParseHop(options.JumpHost!, options.JumpUser, options.JumpPort) with { IdentityFile = options.JumpIdentityFile ?? options.IdentityFile });
                else if (viaHost)
                {
                    if (string.IsNullOrEmpty(vm.HostAddress))
                        throw new SshRouteException($"{vm.Name}: its hypervisor host's address is unknown, and a {vm.Hypervisor ?? "KVM"} VM is only reachable through it (give -JumpHost).");
                    jumps.Add(new SshHop(vm.HostAddress!, options.JumpPort, options.JumpUser) { IdentityFile = options.JumpIdentityFile ?? options.IdentityFile });
                }
            }

            return new SshRoute(new SshHop(address!, options.Port, options.User) { IdentityFile = options.IdentityFile })
            {
                Jumps = jumps,
                KnownHostsFile = options.KnownHostsFile,
                StrictHostKeyChecking = options.StrictHostKeyChecking,
                ExtraOptions = options.ExtraOptions,
                ConnectTimeout = options.ConnectTimeout,
            };
        }

        private static bool IsVmware(string? hypervisor) =>
            hypervisor != null && hypervisor.IndexOf("vmware", StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>Parses "host", "user@host", "host:port" or "user@host:port" (IPv6 in brackets).</summary>
        public static SshHop ParseHop(string text, string defaultUser, int defaultPort)
        {
            string user = defaultUser, rest = text.Trim();
            int at = rest.LastIndexOf('@');
            if (at > 0) { user = rest.Substring(0, at); rest = rest.Substring(at + 1); }
            int port = defaultPort;
            string host = rest;
            if (rest.StartsWith("[", StringComparison.Ordinal))
            {
                int close = rest.IndexOf(']');
                if (close < 0) throw new SshRouteException($"Cannot read the host '{text}'.");
                host = rest.Substring(1, close - 1);
                if (close + 1 < rest.Length && rest[close + 1] == ':') port = ParsePort(rest.Substring(close + 2), text);
            }
            else
            {
                int colon = rest.IndexOf(':');
                if (colon >= 0 && colon == rest.LastIndexOf(':'))
                {
                    host = rest.Substring(0, colon);
                    port = ParsePort(rest.Substring(colon + 1), text);
                }
            }
            if (host.Length == 0) throw new SshRouteException($"Cannot read the host '{text}'.");
            return new SshHop(host, port, user);
        }

        private static int ParsePort(string s, string text) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p > 0 && p < 65536
                ? p : throw new SshRouteException($"Cannot read the port in '{text}'.");
    }

    /// <summary>The VM cannot be reached with what is known about it.</summary>
    public sealed class SshRouteException : Exception
    {
        public SshRouteException(string message) : base(message) { }
    }
}
