using System;
using System.Management.Automation;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The parameters of every cmdlet that reaches VMs over SSH (OpenSSH: jump through the hypervisor host,
    /// strict host keys, batch mode). Paths are PowerShell paths, resolved against the current location.
    /// </summary>
    public abstract class SshCmdlet : SysVmPatchCmdlet
    {
        /// <summary>The private key for the VMs (on KVM the host's /root/.ssh/id_rsa.cloud) and, unless -JumpKeyFile, the hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyFile { get; set; }

        /// <summary>The private key for the jump (hypervisor) hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JumpKeyFile { get; set; }

        /// <summary>The known_hosts file holding the hosts' and VMs' keys; default: OpenSSH's own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>One jump host for every VM ("host", "user@host" or "user@host:port") instead of each VM's hypervisor host.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JumpHost { get; set; }

        /// <summary>The user on the hypervisor hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string JumpUser { get; set; } = "root";

        /// <summary>Seconds to wait for each SSH connection.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int ConnectTimeoutSec { get; set; } = 15;

        internal SshRouteOptions RouteOptions() => new SshRouteOptions
        {
            IdentityFile = ResolvePath(KeyFile),
            JumpIdentityFile = ResolvePath(JumpKeyFile),
            KnownHostsFile = ResolvePath(KnownHostsFile),
            JumpHost = JumpHost,
            JumpUser = JumpUser,
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSec),
        };

        private string? ResolvePath(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);
    }
}
