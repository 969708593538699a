using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.Errors;
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
            string field = viaHost || vm.PrivateIp == null ? "linklocalip" : "privateip";
            string? address = viaHost ? vm.LinkLocalIp : (vm.PrivateIp ?? vm.LinkLocalIp);
            if (string.IsNullOrEmpty(address))
                throw new SshRouteException($"{Name(vm)}: no {(viaHost ? "link-local" : "private")} IP known; cannot reach it over SSH.");
            // Values from the API become hosts of the ssh_config: only what parses as an IP address is used.
            FromApi(vm, address!, field);

            var jumps = new List<SshHop>();
            if (!options.Direct)
            {
                if (!string.IsNullOrEmpty(options.JumpHost))
                    jumps.Add(Checked(() => ParseHop(options.JumpHost!, options.JumpUser, options.JumpPort) with { IdentityFile = options.JumpIdentityFile ?? options.IdentityFile }, "the jump host given", EngineOption.JumpHost));
                else if (viaHost)
                {
                    if (string.IsNullOrEmpty(vm.HostAddress))
                        throw new SshRouteException($"{Name(vm)}: its hypervisor host's address is unknown, and a {Text.ConsoleText.Sanitize(vm.Hypervisor ?? "KVM", 40)} VM is only reachable through it (give a jump host).") { Remedy = EngineOption.JumpHost };
                    FromApi(vm, vm.HostAddress!, "hypervisor host ipaddress");
                    jumps.Add(Checked(() => new SshHop(vm.HostAddress!, options.JumpPort, options.JumpUser) { IdentityFile = options.JumpIdentityFile ?? options.IdentityFile }, "the jump host"));
                }
            }

            var target = Checked(() => new SshHop(address!, options.Port, options.User) { IdentityFile = options.IdentityFile }, Name(vm));
            try
            {
                return new SshRoute(target)
                {
                    Jumps = jumps,
                    KnownHostsFile = options.KnownHostsFile,
                    StrictHostKeyChecking = options.StrictHostKeyChecking,
                    ExtraOptions = options.ExtraOptions,
                    ConnectTimeout = options.ConnectTimeout,
                };
            }
            catch (ArgumentException e) { throw new SshRouteException($"{Name(vm)}: {e.Message}"); }
        }

        private static string Name(SystemVm vm) => Text.ConsoleText.Sanitize(vm.Name, 100);

        private static void FromApi(SystemVm vm, string value, string field)
        {
            try { SshValues.IpAddress(value, $"CloudStack's {field}"); }
            catch (ArgumentException e) { throw new SshRouteException($"{Name(vm)}: {e.Message} Not connecting: the API gave a value SysVmPatch will not hand to ssh."); }
        }

        // A value refused by SshValues becomes a route error that names where it came from.
        private static SshHop Checked(Func<SshHop> make, string source, EngineOption? remedy = null)
        {
            try { return make(); }
            catch (ArgumentException e) { throw new SshRouteException($"{source}: {e.Message}") { Remedy = remedy }; }
            catch (SshRouteException e) { throw new SshRouteException($"{source}: {e.Message}") { Remedy = remedy ?? e.Remedy }; }
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
                if (close < 0) throw new SshRouteException($"Cannot read the host '{Text.ConsoleText.Escape(text, 120)}'.");
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
            if (host.Length == 0) throw new SshRouteException($"Cannot read the host '{Text.ConsoleText.Escape(text, 120)}'.");
            try { return new SshHop(host, port, user); }
            catch (ArgumentException e) { throw new SshRouteException($"Cannot use '{Text.ConsoleText.Escape(text, 120)}' as an SSH host: {e.Message}"); }
        }

        private static int ParsePort(string s, string text) =>
            int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p > 0 && p < 65536
                ? p : throw new SshRouteException($"Cannot read the port in '{Text.ConsoleText.Escape(text, 120)}'.");
    }

    /// <summary>The VM cannot be reached with what is known about it.</summary>
    public sealed class SshRouteException : Exception, IHasRemedy
    {
        public SshRouteException(string message) : base(message) { }

        /// <summary>The setting that would fix it, when the message names one.</summary>
        public EngineOption? Remedy { get; init; }
    }
}
