using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// The lab's wiring, done with `ip -batch` so 200 VMs cost a handful of processes: a bridge in the root
    /// namespace to every host, and in every host a cloud0 bridge to its VMs' link-local addresses. Host
    /// namespaces do not forward, so a VM is reachable only from its own host, as on KVM.
    /// </summary>
    internal static class LabNetwork
    {
        public static async Task CreateAsync(ResolvedLab lab, CancellationToken ct)
        {
            var root = new StringBuilder();
            foreach (var host in lab.Hosts) root.Append("netns add ").Append(LabNames.HostNetns(host)).Append('\n');
            foreach (var vm in lab.Vms) root.Append("netns add ").Append(LabNames.VmNetns(vm)).Append('\n');
            root.Append(CultureInfo.InvariantCulture, $"link add name {LabNames.Bridge} type bridge\n");
            root.Append(CultureInfo.InvariantCulture, $"addr add {ResolvedLab.BridgeAddress}/{ResolvedLab.BridgePrefix} dev {LabNames.Bridge}\n");
            root.Append(CultureInfo.InvariantCulture, $"link set dev {LabNames.Bridge} up\n");
            foreach (var host in lab.Hosts)
            {
                string uplink = LabNames.HostUplink(host);
                root.Append(CultureInfo.InvariantCulture, $"link add name {uplink} type veth peer name eth0 netns {LabNames.HostNetns(host)}\n");
                root.Append(CultureInfo.InvariantCulture, $"link set dev {uplink} master {LabNames.Bridge} up\n");
            }
            await BatchAsync(null, root.ToString(), ct).ConfigureAwait(false);

            await Task.WhenAll(lab.Hosts.Select(host => BatchAsync(LabNames.HostNetns(host), HostBatch(lab, host), ct))).ConfigureAwait(false);
        }

        private static string HostBatch(ResolvedLab lab, LabHost host)
        {
            var sb = new StringBuilder();
            sb.Append("link set dev lo up\n");
            sb.Append(CultureInfo.InvariantCulture, $"addr add {host.Address}/{ResolvedLab.BridgePrefix} dev eth0\n");
            sb.Append("link set dev eth0 up\n");
            sb.Append(CultureInfo.InvariantCulture, $"link add name {LabNames.HostBridge} type bridge\n");
            sb.Append(CultureInfo.InvariantCulture, $"addr add {ResolvedLab.HostLinkLocalAddress}/16 dev {LabNames.HostBridge}\n");
            sb.Append(CultureInfo.InvariantCulture, $"link set dev {LabNames.HostBridge} up\n");
            foreach (var vm in lab.Vms.Where(v => v.Host == host))
            {
                string link = LabNames.VmHostSideLink(vm);
                // The VM's end is configured by its init, so a stop/start brings it up again by itself.
                sb.Append(CultureInfo.InvariantCulture, $"link add name {link} type veth peer name eth0 netns {LabNames.VmNetns(vm)}\n");
                sb.Append(CultureInfo.InvariantCulture, $"link set dev {link} master {LabNames.HostBridge} up\n");
            }
            return sb.ToString();
        }

        /// <summary>A stopped VM's link is down too: its host then answers "no route", as for a powered-off guest.</summary>
        public static Task SetVmLinkAsync(LabVm vm, bool up, CancellationToken ct) =>
            BatchAsync(LabNames.HostNetns(vm.Host), $"link set dev {LabNames.VmHostSideLink(vm)} {(up ? "up" : "down")}\n", ct);

        public static Task SetHostUplinkAsync(LabHost host, bool up, CancellationToken ct) =>
            BatchAsync(null, $"link set dev {LabNames.HostUplink(host)} {(up ? "up" : "down")}\n", ct);

        /// <summary>Shapes the traffic towards a VM (egress of its host-side veth), or lifts the shaping.</summary>
        public static async Task ShapeVmLinkAsync(LabVm vm, string? rate, CancellationToken ct)
        {
            var args = new List<string> { "netns", "exec", LabNames.HostNetns(vm.Host), "tc", "qdisc" };
            if (rate == null)
            {
                args.AddRange(new[] { "del", "dev", LabNames.VmHostSideLink(vm), "root" });
                await LabCommand.RunAsync("ip", args, cancellationToken: ct).ConfigureAwait(false); // absent already is fine
                return;
            }
            args.AddRange(new[] { "replace", "dev", LabNames.VmHostSideLink(vm), "root", "tbf", "rate", rate, "burst", "16kb", "latency", "200ms" });
            await LabCommand.RunCheckedAsync("ip", args, cancellationToken: ct).ConfigureAwait(false);
        }

        private static Task<CommandResult> BatchAsync(string? netns, string commands, CancellationToken ct)
        {
            var args = new List<string>();
            if (netns != null) { args.Add("-n"); args.Add(netns); }
            args.Add("-batch");
            args.Add("-");
            return LabCommand.RunCheckedAsync("ip", args, commands, cancellationToken: ct);
        }
    }
}
