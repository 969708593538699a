using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// One fresh namespace lab per method, so every method starts from the same world state (new VM disks, services
    /// active, the old signature), and the counters a method is measured by: SSH connections accepted by the VMs'
    /// and hosts' sshd, and bytes the driver sent into the hosts' uplinks.
    /// </summary>
    public sealed class BenchWorld : IAsyncDisposable
    {
        private readonly Dictionary<string, int> _vmAcceptedBefore = new();
        private readonly Dictionary<string, int> _hostAcceptedBefore = new();
        private long _txBefore;

        private BenchWorld(Lab lab) { Lab = lab; }

        public Lab Lab { get; }
        public IReadOnlyList<LabVm> Vms => Lab.Topology.Vms;

        public static LabSpec Spec(BenchOptions o) => LabSpec.Generate(1, o.Hosts, o.VmsPerHost);

        public static async Task<BenchWorld> StartAsync(BenchOptions o, bool withManagementServer)
        {
            var lab = await Lab.StartAsync(Spec(o), new LabOptions
            {
                UplinkDelay = o.Wan ? TimeSpan.FromMilliseconds(o.UplinkDelayMs) : TimeSpan.Zero,
                VmLinkDelay = o.Wan ? TimeSpan.FromMilliseconds(o.VmLinkDelayMs) : TimeSpan.Zero,
            });
            var world = new BenchWorld(lab);
            try
            {
                // On loopback, not behind the delay: the WAN mode delays SSH, which is what the methods differ in.
                if (withManagementServer) world.Server = await FakeCloudStackServer.StartAsync(lab.Topology, lab, new FakeCloudStackOptions { Name = "bench", UseHttps = true });
            }
            catch
            {
                await world.DisposeAsync();
                throw;
            }
            return world;
        }

        /// <summary>The fake management server the cmdlet path lists the VMs from; null when not asked for.</summary>
        public FakeCloudStackServer? Server { get; private set; }

        /// <summary>The lab's VMs as Get-SystemVm returns them for KVM: jump through the host to the link-local IP.</summary>
        public static List<SystemVm> AsSystemVms(ResolvedLab topology) => topology.Vms.Select(v => new SystemVm
        {
            Id = v.Id, Name = v.Name, Type = v.Type, Hypervisor = v.Host.Spec.Hypervisor, State = v.Spec.State,
            HostName = v.Host.Name, HostAddress = v.Host.Address, LinkLocalIp = v.LinkLocalIp, PrivateIp = v.PrivateIp,
            ZoneName = v.Host.Zone.Name, TemplateVersion = v.Spec.Release,
            IsRedundant = v.Spec.RedundantGroup != null, RedundantState = v.Spec.RedundantState,
            NetworkId = v.Spec.RedundantGroup ?? v.Spec.NetworkName, NetworkName = v.Spec.NetworkName, VpcName = v.Spec.VpcName,
            Server = "lab",
        }).ToList();

        /// <summary>Takes the counters' starting values right before a method runs.</summary>
        public void MarkStart()
        {
            foreach (var vm in Vms) _vmAcceptedBefore[vm.Name] = Accepted(VmSshdLog(vm));
            foreach (var h in Lab.Topology.Hosts) _hostAcceptedBefore[h.Name] = Accepted(HostSshdLog(h));
            _txBefore = UplinkTxBytes();
            _busyBefore = MachineBusySeconds();
        }

        private double _busyBefore;

        /// <summary>
        /// CPU seconds the whole machine spent since <see cref="MarkStart"/>: the driver, and also every sshd,
        /// shell and agent in the hosts and VMs, which share the same cores. What a method costs the VMs shows here.
        /// </summary>
        public double MachineCpuSeconds() => MachineBusySeconds() - _busyBefore;

        // /proc/stat's first line: user nice system idle iowait irq softirq steal ... in clock ticks (USER_HZ, 100).
        private static double MachineBusySeconds()
        {
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Tick(int i) => long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture);
            return (Tick(1) + Tick(2) + Tick(3) + Tick(6) + Tick(7)) / 100.0;
        }

        /// <summary>SSH connections each VM's sshd accepted since <see cref="MarkStart"/> ("Accepted publickey" lines).</summary>
        public IReadOnlyDictionary<string, int> VmConnections() => Vms.ToDictionary(v => v.Name, v => Accepted(VmSshdLog(v)) - _vmAcceptedBefore[v.Name]);

        /// <summary>Connections the hosts' sshd accepted since <see cref="MarkStart"/>: the ProxyJump hops.</summary>
        public int HostConnections() => Lab.Topology.Hosts.Sum(h => Accepted(HostSshdLog(h)) - _hostAcceptedBefore[h.Name]);

        /// <summary>
        /// Bytes sent towards the hosts since <see cref="MarkStart"/>: tx of the root-side end of every host's veth
        /// on the lab bridge. Only the driver talks to the hosts, so this is what the driver put on the wire (IP
        /// and TCP headers and SSH framing included), whichever of its processes sent it.
        /// </summary>
        public long BytesSent() => UplinkTxBytes() - _txBefore;

        private long UplinkTxBytes() => Lab.Topology.Hosts.Sum(h =>
        {
            string file = $"/sys/class/net/{LabNames.HostUplink(h)}/statistics/tx_bytes";
            return File.Exists(file) ? long.Parse(File.ReadAllText(file).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0L;
        });

        private string VmSshdLog(LabVm vm) => Lab.VmPath(vm.Name, "/var/lib/labshim/sshd.log");
        private string HostSshdLog(LabHost h) => Path.Combine(Lab.RootDirectory, "hosts", h.Name, "sshd.log");

        private static int Accepted(string log)
        {
            if (!File.Exists(log)) return 0;
            using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            int n = 0;
            string? line;
            while ((line = reader.ReadLine()) != null) if (line.Contains("Accepted publickey", StringComparison.Ordinal)) n++;
            return n;
        }

        /// <summary>Handshakes the hosts' sshd accepted since <see cref="MarkStart"/> plus the VMs': what a method's connections cost.</summary>
        public int Handshakes() => HostConnections() + VmConnections().Values.Sum();

        /// <summary>The machine's 1-minute load average: what else ran beside a method on this shared machine.</summary>
        public static double LoadAverage() =>
            double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        public async ValueTask DisposeAsync()
        {
            if (Server != null) await Server.DisposeAsync();
            await Lab.DisposeAsync();
        }
    }
}
