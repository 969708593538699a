using System.Threading.Tasks;
using SysVmPatch.TestWorld.NamespaceLab;

namespace SysVmPatch.TestWorld
{
    internal static class Program
    {
        // up | status | down: see LabCli. `up` also runs the fake CloudStack management server beside the lab.
        private static Task<int> Main(string[] args)
        {
            LabCli.Companion = ManagementServerCompanion.StartAsync;
            return LabCli.RunAsync(args);
        }
    }
}
