using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.NamespaceLab
{
    /// <summary>Small worlds for the lab's own tests: every VM kind on two hosts.</summary>
    internal static class SmallLabs
    {
        public static LabSpec EveryKind(int? diskMiBForRouter = null) => new(new[]
        {
            new ZoneSpec("zone1", new[]
            {
                new HostSpec("kvm-a", new[]
                {
                    new VmSpec("s-1-VM", SystemVmType.SSVM) { Release = "4.18.0.0" },
                    new VmSpec("v-2-VM", SystemVmType.CPVM) { Release = "4.18.0.0" },
                }),
                new HostSpec("kvm-b", new List<VmSpec>
                {
                    new VmSpec("r-3-VM", SystemVmType.Router) { Release = "4.19.0.0", NetworkName = "net1", DiskMiB = diskMiBForRouter },
                    new VmSpec("r-4-VM", SystemVmType.Router) { Release = "4.19.0.0", VpcName = "vpc1", ScriptsSignature = "0123456789abcdef0123456789abcdef" },
                }),
            }),
        });
    }
}
