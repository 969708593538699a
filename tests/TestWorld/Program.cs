using System.Threading.Tasks;
using SysVmPatch.TestWorld.NamespaceLab;

namespace SysVmPatch.TestWorld
{
    internal static class Program
    {
        // up | status | down: see LabCli. `up` also runs the fake CloudStack management server beside the lab.
        // hostile-api: the fake server alone, answering with hostile values (see HostileApiServer).
        private static Task<int> Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "hostile-api") return HostileApiServer.RunAsync(args[1..]);
            LabCli.Companion = ManagementServerCompanion.StartAsync;
            return LabCli.RunAsync(args);
        }
    }
}
