using System.Security;
using SysVmPatch.Engine.Ssh.SshNet;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>Which SSH client carries the connections.</summary>
    public enum SshTransport
    {
        /// <summary>SSH.NET in-process: one connection per hypervisor host, one per VM; known_hosts read by SysVmPatch.</summary>
        SshNet,
        /// <summary>The OpenSSH ssh command: ssh-agent/Pageant keys, ssh_config, ControlMaster where available.</summary>
        OpenSsh,
    }

    public static class SshTransports
    {
        /// <summary>A client for one run.</summary>
        public static ISshClient Create(SshTransport transport, SecureString? keyPassphrase = null, int parallelism = 16, System.Action<string>? warn = null) =>
            transport == SshTransport.OpenSsh
                ? new OpenSshClient()
                : new SshNetClient(new SshNetClientOptions { KeyPassphrase = keyPassphrase, Parallelism = parallelism, Warn = warn });
    }
}
