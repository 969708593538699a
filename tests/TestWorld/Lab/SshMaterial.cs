using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>Keys, known_hosts and a client config: everything a real OpenSSH client needs to reach the lab.</summary>
    internal static class SshMaterial
    {
        /// <summary>Writes an ed25519 key pair without passphrase at <paramref name="privateKeyPath"/> (+ .pub).</summary>
        public static async Task GenerateKeyAsync(string privateKeyPath, string comment, CancellationToken ct)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(privateKeyPath)!);
            File.Delete(privateKeyPath);
            File.Delete(privateKeyPath + ".pub");
            await LabCommand.RunCheckedAsync("ssh-keygen", new[] { "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKeyPath }, cancellationToken: ct).ConfigureAwait(false);
        }

        /// <summary>"type base64" of a public key file, without its comment.</summary>
        public static string PublicKeyOf(string privateKeyPath)
        {
            var parts = File.ReadAllText(privateKeyPath + ".pub").Trim().Split(' ');
            return parts[0] + " " + parts[1];
        }

        public static string KnownHosts(ResolvedLab lab, LabPaths paths)
        {
            var sb = new StringBuilder();
            foreach (var host in lab.Hosts)
                sb.Append(host.Address).Append(' ').Append(PublicKeyOf(paths.HostKey(host))).Append('\n');
            foreach (var vm in lab.Vms)
                sb.Append(CultureInfo.InvariantCulture, $"[{vm.LinkLocalIp}]:{LabNames.VmSshPort} ").Append(PublicKeyOf(VmHostKey(paths, vm))).Append('\n');
            return sb.ToString();
        }

        public static string VmHostKey(LabPaths paths, LabVm vm) => Path.Combine(paths.VmUpper(vm), "etc/ssh/ssh_host_ed25519_key");

        /// <summary>
        /// Host entries by name for humans (`ssh -F ssh_config r-3-VM`); VMs jump through their host as on KVM.
        /// The catch-all comes last so specific entries still set HostName and Port.
        /// </summary>
        public static string ClientConfig(ResolvedLab lab, LabPaths paths)
        {
            var sb = new StringBuilder("# SysVmPatch namespace lab: ssh -F " + paths.SshConfig + " <host or VM name>\n");
            foreach (var host in lab.Hosts)
                sb.Append(CultureInfo.InvariantCulture, $"Host {host.Name} {host.Address}\n  HostName {host.Address}\n  Port 22\n");
            foreach (var vm in lab.Vms)
                sb.Append(CultureInfo.InvariantCulture, $"Host {vm.Name}\n  HostName {vm.LinkLocalIp}\n  Port {LabNames.VmSshPort}\n  ProxyJump {vm.Host.Name}\n");
            sb.Append(CultureInfo.InvariantCulture, $"Host *\n  User root\n  IdentityFile {paths.OperatorKey}\n  IdentitiesOnly yes\n  UserKnownHostsFile {paths.KnownHosts}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 10\n  LogLevel ERROR\n");
            return sb.ToString();
        }
    }
}
