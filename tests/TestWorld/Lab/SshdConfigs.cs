using System.Globalization;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>sshd_config texts: root key auth only, generous limits because a benchmark opens many parallel jumps.</summary>
    internal static class SshdConfigs
    {
        private const string Common = """
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
MaxStartups 200:30:400
MaxSessions 100
MaxAuthTries 10
LoginGraceTime 60
ClientAliveInterval 0
AllowTcpForwarding yes
Subsystem sftp /usr/lib/openssh/sftp-server
AcceptEnv LANG LC_*
LogLevel INFO
""";

        /// <summary>A hypervisor host: runs on the real filesystem, so every path points into the lab directory.</summary>
        public static string ForHost(string hostKey, string authorizedKeys, string pidFile) =>
            string.Create(CultureInfo.InvariantCulture, $"""
# Lab hypervisor host (jump host to its VMs' link-local addresses)
Port 22
ListenAddress 0.0.0.0
HostKey {hostKey}
AuthorizedKeysFile {authorizedKeys}
PidFile {pidFile}
{Common}
""");

        /// <summary>A system VM: paths are inside the VM's own root, as on a real one.</summary>
        public const string ForVm = "# Lab system VM\nPort 3922\nListenAddress 0.0.0.0\nHostKey /etc/ssh/ssh_host_ed25519_key\n"
            + "AuthorizedKeysFile .ssh/authorized_keys\nPidFile /var/lib/labshim/sshd.pid\n" + Common;
    }
}
