using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Reconcile;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.Infrastructure;

namespace SysVmPatch.Tests.Reconcile
{
    /// <summary>Compare-SysVmVersion -Probe's engine on one VM of a test world, as the cmdlet wires it.</summary>
    internal static class LabProbe
    {
        public static async Task<VersionComparison> ProbeAsync(LabWorld world, string bundleFolder, string name, SshTransport transport = SshTransport.SshNet)
        {
            var vm = (await world.FleetAsync()).Single(v => v.Name == name);
            using var ssh = SshTransports.Create(transport);
            var request = new ComparisonRequest
            {
                BundlePath = bundleFolder,
                Prober = new SshVmProber(ssh, world.SshOptions),
                HostFiles = new SshHostBundleReader(ssh, world.SshOptions),
            };
            return (await ComparisonService.CompareAsync(new[] { vm }, request, world.ServerByName, CancellationToken.None)).Single();
        }
    }
}
