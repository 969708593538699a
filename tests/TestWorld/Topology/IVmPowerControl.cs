using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.Topology
{
    /// <summary>
    /// What the fake management server calls when an API stops or starts a VM, so that the VM's sshd really
    /// goes away and comes back. The namespace lab implements it; API-only tests pass none.
    /// </summary>
    public interface IVmPowerControl
    {
        Task StopVmAsync(string vmName, CancellationToken cancellationToken);
        Task StartVmAsync(string vmName, CancellationToken cancellationToken);
    }
}
