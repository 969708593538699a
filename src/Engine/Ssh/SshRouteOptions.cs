using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Run-wide overrides of how VMs are reached (-JumpHost, key files, known_hosts file). Null fields keep the
    /// route CloudStack's topology implies.
    /// </summary>
    public sealed record SshRouteOptions
    {
        /// <summary>Jump host for every VM ("host", "user@host" or "user@host:port"), replacing the hypervisor host.</summary>
        public string? JumpHost { get; init; }
        /// <summary>User on the hypervisor hosts used as jump hosts.</summary>
        public string JumpUser { get; init; } = "root";
        public int JumpPort { get; init; } = 22;
        /// <summary>Key for the jump hop; null: the same as <see cref="IdentityFile"/>.</summary>
        public string? JumpIdentityFile { get; init; }
        /// <summary>Key for the VM (on KVM the host's /root/.ssh/id_rsa.cloud, copied to the workstation).</summary>
        public string? IdentityFile { get; init; }
        public string? KnownHostsFile { get; init; }
        public bool StrictHostKeyChecking { get; init; } = true;
        public string User { get; init; } = "root";
        /// <summary>The system VMs' sshd port.</summary>
        public int Port { get; init; } = 3922;
        public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
        /// <summary>Extra ssh_config options for every hop, checked by <see cref="SshOptions.Check"/>.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> ExtraOptions { get; init; } = Array.Empty<KeyValuePair<string, string>>();
        /// <summary>Never jump, even on KVM/XenServer (the controller runs on the hypervisor host itself).</summary>
        public bool Direct { get; init; }
    }
}
