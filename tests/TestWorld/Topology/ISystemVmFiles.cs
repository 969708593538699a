using System;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.Topology
{
    /// <summary>
    /// What the fake management server needs from the lab to behave as CloudStack does around a live patch: what a
    /// VM really runs (its health check compares that with the records), and the hypervisor host's own agent
    /// copying its /usr/share/cloudstack-common/vms/ files into a VM and running the patch there (restartNetwork
    /// livepatch=true, patchSystemVm, and every system VM start on KVM). The namespace lab implements it.
    /// </summary>
    public interface ISystemVmFiles
    {
        /// <summary>The first lines of the VM's /etc/cloudstack-release and cloud-scripts-signature; null while it is stopped.</summary>
        VmRunningVersion? ReadVersion(string vmName);

        /// <summary>MD5 of the VM's host's vms/cloud-scripts.tgz; null when the host has none.</summary>
        string? HostScriptsMd5(string vmName);

        /// <summary>
        /// As the host agent does: copies the host's vms/ files to the VM's /var/cache/cloud and runs the patch there
        /// (agent.zip on SSVM/CPVM, cloud-scripts.tgz into /, the signature, a restart of the enabled active services).
        /// Throws with the host's error when the host has no files or the patch fails.
        /// </summary>
        Task<VmRunningVersion> PatchFromHostFilesAsync(string vmName, CancellationToken cancellationToken);

        /// <summary>
        /// How often the VM's cloud service (the SSVM/CPVM agent) was started or restarted, and the agent version it
        /// then runs (/usr/local/cloud/systemvm/version): each start is a reconnect that reports that version.
        /// </summary>
        (int Starts, string? Version) AgentConnects(string vmName);
    }

    /// <summary>What a VM runs, as its own files say.</summary>
    public sealed record VmRunningVersion(string ReleaseLine, string Signature)
    {
        /// <summary>The version word of "Cloudstack Release 4.19.1.0 Mon ..." (what listRouters' version shows), or "".</summary>
        public string TemplateVersion
        {
            get
            {
                var words = ReleaseLine.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                return words.Length >= 3 ? words[2] : "";
            }
        }
    }
}
