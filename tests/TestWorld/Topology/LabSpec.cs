using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.TestWorld.Topology
{
    /// <summary>The declarative description of a test world: zones, hypervisor hosts, and the VMs on each host.</summary>
    public sealed record LabSpec(IReadOnlyList<ZoneSpec> Zones)
    {
        /// <summary>CloudStack version the fake management server reports (listCapabilities cloudstackversion).</summary>
        public string ManagementVersion { get; init; } = "4.19.1.0";

        /// <summary>
        /// A regular world: <paramref name="zones"/> zones of <paramref name="hostsPerZone"/> hosts; zone 1's first
        /// host carries the SSVM and CPVM of each zone, the rest are routers, with one redundant pair per zone
        /// when there are at least two routers.
        /// </summary>
        public static LabSpec Generate(int zones, int hostsPerZone, int vmsPerHost, string release = "4.18.0.0", string? scriptsSignature = null)
        {
            if (zones < 1 || hostsPerZone < 1 || vmsPerHost < 1) throw new ArgumentOutOfRangeException(nameof(zones), "zones, hosts per zone and VMs per host must all be at least 1");
            var zoneSpecs = new List<ZoneSpec>();
            int vmNumber = 1;
            for (int z = 1; z <= zones; z++)
            {
                var hosts = new List<HostSpec>();
                int routersInZone = 0;
                for (int h = 1; h <= hostsPerZone; h++)
                {
                    var vms = new List<VmSpec>();
                    for (int v = 0; v < vmsPerHost; v++)
                    {
                        SystemVmType type = SystemVmType.Router;
                        if (h == 1 && v == 0) type = SystemVmType.SSVM;
                        else if (h == 1 && v == 1) type = SystemVmType.CPVM;
                        string prefix = type == SystemVmType.SSVM ? "s" : type == SystemVmType.CPVM ? "v" : "r";
                        var vm = new VmSpec($"{prefix}-{vmNumber++}-VM", type) { Release = release, ScriptsSignature = scriptsSignature };
                        if (type == SystemVmType.Router)
                        {
                            routersInZone++;
                            vm = vm with { NetworkName = $"net-z{z}-{routersInZone}" };
                        }
                        vms.Add(vm);
                    }
                    hosts.Add(new HostSpec($"kvm-z{z}-{h:00}", vms));
                }
                zoneSpecs.Add(new ZoneSpec($"zone{z}", hosts));
            }
            return PairFirstRouters(new LabSpec(zoneSpecs));
        }

        // The first two routers of each zone, on different hosts where possible, become a redundant pair.
        private static LabSpec PairFirstRouters(LabSpec spec)
        {
            var zones = new List<ZoneSpec>();
            foreach (var zone in spec.Zones)
            {
                var routers = new List<(int Host, int Vm)>();
                for (int h = 0; h < zone.Hosts.Count; h++)
                    for (int v = 0; v < zone.Hosts[h].Vms.Count; v++)
                        if (zone.Hosts[h].Vms[v].Type == SystemVmType.Router) routers.Add((h, v));
                var hosts = new List<HostSpec>();
                foreach (var host in zone.Hosts) hosts.Add(host with { Vms = new List<VmSpec>(host.Vms) });
                if (routers.Count >= 2)
                {
                    var first = routers[0];
                    var second = routers.Find(r => r.Host != first.Host);
                    if (second == default) second = routers[1];
                    string group = $"rvr-{zone.Name}";
                    var a = (List<VmSpec>)hosts[first.Host].Vms;
                    var b = (List<VmSpec>)hosts[second.Host].Vms;
                    a[first.Vm] = a[first.Vm] with { RedundantGroup = group, RedundantState = "PRIMARY", NetworkName = group };
                    b[second.Vm] = b[second.Vm] with { RedundantGroup = group, RedundantState = "BACKUP", NetworkName = group };
                }
                zones.Add(zone with { Hosts = hosts });
            }
            return spec with { Zones = zones };
        }
    }

    public sealed record ZoneSpec(string Name, IReadOnlyList<HostSpec> Hosts);

    public sealed record HostSpec(string Name, IReadOnlyList<VmSpec> Vms)
    {
        public string Hypervisor { get; init; } = "KVM";
        /// <summary>The CloudStack agent version the host reports (listHosts version).</summary>
        public string AgentVersion { get; init; } = "4.19.1.0";
    }

    public sealed record VmSpec(string Name, SystemVmType Type)
    {
        /// <summary>Template release line written to /etc/cloudstack-release ("Cloudstack Release 4.18.0.0 ...").</summary>
        public string Release { get; init; } = "4.18.0.0";
        /// <summary>MD5 in /var/cache/cloud/cloud-scripts-signature; null: derived from the release.</summary>
        public string? ScriptsSignature { get; init; }
        /// <summary>What the API claims as scriptsversion when it should disagree with the VM (a stale record).</summary>
        public string? ApiScriptsSignature { get; init; }
        public string? NetworkName { get; init; }
        public string? VpcName { get; init; }
        /// <summary>Two routers with the same group form a redundant pair.</summary>
        public string? RedundantGroup { get; init; }
        public string? RedundantState { get; init; }
        /// <summary>Size of the VM's writable disk in MiB; null: large enough for any test.</summary>
        public int? DiskMiB { get; init; }
        /// <summary>Services in /var/cache/cloud/enabled_svcs; null: the usual set for the type.</summary>
        public IReadOnlyList<string>? EnabledServices { get; init; }
        /// <summary>Initial power state: Running unless told otherwise.</summary>
        public string State { get; init; } = "Running";

        public IReadOnlyList<string> ServicesOrDefault() => EnabledServices ?? (Type switch
        {
            SystemVmType.SSVM => new[] { "cloud", "apache2", "portmap" },
            SystemVmType.CPVM => new[] { "cloud" },
            _ => RedundantGroup != null ? new[] { "haproxy", "apache2", "keepalived", "conntrackd" } : new[] { "haproxy", "apache2", "dnsmasq" },
        });
    }
}
