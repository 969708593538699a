using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.TestWorld.Topology
{
    /// <summary>
    /// A <see cref="LabSpec"/> with every identity and address decided, deterministically from names, so the
    /// namespaces, the fake management server and the tests all agree without talking to each other.
    /// </summary>
    public sealed class ResolvedLab
    {
        /// <summary>The root namespace's side of the lab bridge; hosts are reached from here.</summary>
        public const string BridgeAddress = "198.18.0.1";
        public const int BridgePrefix = 16;
        /// <summary>Every host's cloud0 bridge address, as on KVM.</summary>
        public const string HostLinkLocalAddress = "169.254.0.1";

        public LabSpec Spec { get; }
        public IReadOnlyList<LabZone> Zones { get; }
        public IReadOnlyList<LabHost> Hosts { get; }
        public IReadOnlyList<LabVm> Vms { get; }

        public ResolvedLab(LabSpec spec)
        {
            Spec = spec ?? throw new ArgumentNullException(nameof(spec));
            var zones = new List<LabZone>();
            var hosts = new List<LabHost>();
            var vms = new List<LabVm>();
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int hostIndex = 0, vmIndex = 0;
            foreach (var zone in spec.Zones)
            {
                var labZone = new LabZone(zone.Name, IdFor("zone", zone.Name), IdFor("pod", zone.Name), zone.Name + "-pod1");
                zones.Add(labZone);
                foreach (var host in zone.Hosts)
                {
                    if (!names.Add(host.Name)) throw new ArgumentException($"The name '{host.Name}' is used twice in the lab spec.");
                    var labHost = new LabHost(host, labZone, IdFor("host", host.Name), Address(198, 18, 256 + hostIndex), $"svh{hostIndex}");
                    hostIndex++;
                    hosts.Add(labHost);
                    foreach (var vm in host.Vms)
                    {
                        if (!names.Add(vm.Name)) throw new ArgumentException($"The name '{vm.Name}' is used twice in the lab spec.");
                        vms.Add(new LabVm(vm, labHost,
                            Id: IdFor("vm", vm.Name),
                            LinkLocalIp: Address(169, 254, 256 + vmIndex),
                            PrivateIp: Address(198, 19, 256 + vmIndex),
                            PublicIp: Address(203, 0, 113 * 256 + 1 + (vmIndex % 250)),
                            NamespaceName: $"svv{vmIndex}"));
                        vmIndex++;
                    }
                }
            }
            Zones = zones;
            Hosts = hosts;
            Vms = vms;
        }

        public LabVm Vm(string name) => Vms.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"No VM named '{name}' in the lab.");

        public LabHost Host(string name) => Hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new KeyNotFoundException($"No host named '{name}' in the lab.");

        /// <summary>The cloud-scripts signature a VM of this release runs when the spec names none.</summary>
        public static string SignatureForRelease(string release) => Md5Hex("cloud-scripts " + release);

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Ids = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>A stable UUID-shaped id from a kind and a name (remembered: list filters ask for it per row).</summary>
        public static string IdFor(string kind, string name) => Ids.GetOrAdd(kind + "/" + name, MakeId);

        private static string MakeId(string key)
        {
            string hex = Md5Hex(key);
            return $"{hex.Substring(0, 8)}-{hex.Substring(8, 4)}-{hex.Substring(12, 4)}-{hex.Substring(16, 4)}-{hex.Substring(20, 12)}";
        }

        private static string Md5Hex(string s)
        {
            using var md5 = MD5.Create();
            var bytes = md5.ComputeHash(Encoding.UTF8.GetBytes(s));
            var sb = new StringBuilder();
            foreach (var b in bytes) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        // Offset counts from a.b.0.0; 256 skips the x.y.0.z row so no address ends up as the bridge's.
        private static string Address(int a, int b, int offset)
        {
            int third = offset / 254, fourth = 1 + offset % 254;
            if (third > 255) throw new ArgumentOutOfRangeException(nameof(offset), "The lab is too large for its address plan.");
            return string.Create(CultureInfo.InvariantCulture, $"{a}.{b}.{third}.{fourth}");
        }
    }

    public sealed record LabZone(string Name, string Id, string PodId, string PodName);

    public sealed record LabHost(HostSpec Spec, LabZone Zone, string Id, string Address, string NamespaceName)
    {
        public string Name => Spec.Name;
    }

    public sealed record LabVm(VmSpec Spec, LabHost Host, string Id, string LinkLocalIp, string PrivateIp, string PublicIp, string NamespaceName)
    {
        public string Name => Spec.Name;
        public SystemVmType Type => Spec.Type;
        public string ScriptsSignature => Spec.ScriptsSignature ?? ResolvedLab.SignatureForRelease(Spec.Release);
    }
}
