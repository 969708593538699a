using System.Threading.Tasks;
using SysVmPatch.TestWorld.NamespaceLab;

namespace SysVmPatch.TestWorld
{
    internal static class Program
    {
        // up | status | down: see LabCli. The fake CloudStack server joins `up` through LabCli.Companion.
        private static Task<int> Main(string[] args) => LabCli.RunAsync(args);
    }
}
