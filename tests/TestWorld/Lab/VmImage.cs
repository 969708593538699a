using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Writes what makes a VM a CloudStack system VM into its overlay upper dir before first boot: release line,
    /// cmdline, enabled services, scripts signature, the agent tree with keystore and certs, the cloud scripts,
    /// the systemctl/service stand-ins and its sshd configuration. Everything else it sees is the host's /usr.
    /// </summary>
    internal static class VmImage
    {
        /// <summary>
        /// Directories whose host content the VM must not see (the host's /root, /opt, /var, /tmp): made opaque in
        /// the overlay, so the VM starts with only what is written here. Keeps backups (tar of /var, /opt, /root)
        /// small and per VM.
        /// </summary>
        private static readonly string[] OpaqueDirectories = { "tmp", "var", "root", "opt" };

        public static void Write(LabVm vm, string upper, string operatorPublicKey)
        {
            Directory.CreateDirectory(upper);
            foreach (var dir in OpaqueDirectories)
            {
                string path = Path.Combine(upper, dir);
                Directory.CreateDirectory(path);
                MakeOpaque(path);
            }
            FileModes.Set(Path.Combine(upper, "tmp"), "1777");
            FileModes.Set(Path.Combine(upper, "root"), "700");

            // /var is hidden, so rebuild the parts a Debian userland expects.
            foreach (var dir in new[] { "var/log", "var/tmp", "var/lib/labshim", "var/lib/misc", "var/cache/cloud", "var/spool", "var/mail", "usr/share/cloud", "opt/cloud/bin", "root/.ssh", "etc/ssh" })
                Directory.CreateDirectory(Path.Combine(upper, dir));
            FileModes.Set(Path.Combine(upper, "var/tmp"), "1777");
            File.CreateSymbolicLink(Path.Combine(upper, "var/run"), "/run");
            File.CreateSymbolicLink(Path.Combine(upper, "var/lock"), "/run/lock");

            var spec = vm.Spec;
            Text(upper, "etc/cloudstack-release", $"Cloudstack Release {spec.Release} {ReleaseDate(spec.Release)}\n");
            Text(upper, "var/cache/cloud/cmdline", CmdLine(vm) + "\n");
            Text(upper, "var/cache/cloud/enabled_svcs", string.Join(" ", spec.ServicesOrDefault()) + "\n");
            Text(upper, "var/cache/cloud/cloud-scripts-signature", vm.ScriptsSignature + "\n");
            Text(upper, "var/cache/cloud/boot_up_done", "");
            Text(upper, "var/log/cloud.log", $"{ReleaseDate(spec.Release)} {vm.Name} boot completed\n");
            Text(upper, "root/.ssh/authorized_keys", operatorPublicKey.Trim() + "\n", "600");
            if (vm.Type == SystemVmType.CPVM) Text(upper, "root/vncport", "8080\n");

            WriteAgent(vm, upper);
            WriteCloudScripts(vm, upper);

            Text(upper, "usr/bin/systemctl", ShimScripts.Systemctl, "755");
            Text(upper, "usr/sbin/service", ShimScripts.Service, "755");
            // Where /bin is not merged into /usr, the host's /bin/systemctl would otherwise win for absolute calls.
            if (new DirectoryInfo("/bin").LinkTarget == null) Text(upper, "bin/systemctl", ShimScripts.Systemctl, "755");
            if (new DirectoryInfo("/sbin").LinkTarget == null) Text(upper, "sbin/service", ShimScripts.Service, "755");
            Text(upper, "etc/ssh/sshd_config", SshdConfigs.ForVm);
        }

        /// <summary>The kernel command line CloudStack hands a system VM, shaped like the real ones.</summary>
        public static string CmdLine(LabVm vm)
        {
            var spec = vm.Spec;
            var zone = vm.Host.Zone;
            var parts = new List<string> { "template=domP" };
            switch (vm.Type)
            {
                case SystemVmType.SSVM:
                case SystemVmType.CPVM:
                    bool ssvm = vm.Type == SystemVmType.SSVM;
                    parts.Add("type=" + (ssvm ? "secstorage" : "consoleproxy"));
                    parts.Add("host=" + ResolvedLab.BridgeAddress);
                    parts.Add("port=8250");
                    parts.Add("name=" + vm.Name);
                    parts.Add("zone=" + zone.Id);
                    parts.Add("pod=" + zone.PodId);
                    parts.Add("guid=" + (ssvm ? "SecondaryStorageVm." : "Proxy.") + vm.Id);
                    parts.Add("resource=" + (ssvm ? "com.cloud.storage.resource.PremiumSecondaryStorageResource" : "consoleproxy.ConsoleProxyResource"));
                    parts.Add("instance=" + (ssvm ? "SecStorage" : "ConsoleProxy"));
                    if (ssvm) parts.Add("sslcopy=false");
                    parts.Add("eth0ip=" + vm.LinkLocalIp);
                    parts.Add("eth0mask=255.255.0.0");
                    parts.Add("eth1ip=" + vm.PrivateIp);
                    parts.Add("eth1mask=255.255.0.0");
                    parts.Add("eth2ip=" + vm.PublicIp);
                    parts.Add("eth2mask=255.255.255.0");
                    parts.Add("gateway=203.0.113.254");
                    parts.Add("mgmtcidr=198.18.0.0/16");
                    parts.Add("localgw=198.19.0.1");
                    parts.Add("private.network.device=eth1");
                    parts.Add("public.network.device=eth2");
                    break;
                default:
                    bool vpc = spec.VpcName != null;
                    bool redundant = spec.RedundantGroup != null;
                    parts.Add("name=" + vm.Name);
                    parts.Add("eth0ip=10.1." + (Index(vm) % 250) + ".1");
                    parts.Add("eth0mask=255.255.255.0");
                    parts.Add("domain=cs" + Index(vm) + "cloud.internal");
                    parts.Add("cidrsize=24");
                    parts.Add("eth1ip=" + vm.LinkLocalIp);
                    parts.Add("eth1mask=255.255.0.0");
                    parts.Add("eth2ip=" + vm.PublicIp);
                    parts.Add("eth2mask=255.255.255.0");
                    parts.Add("gateway=203.0.113.254");
                    parts.Add("type=" + (vpc ? "vpcrouter" : "router"));
                    if (vpc) parts.Add("vpccidr=10.0.0.0/8");
                    parts.Add("disable_rp_filter=true");
                    parts.Add("redundant_router=" + (redundant ? "true" : "false"));
                    if (redundant) parts.Add("router_pr=" + (string.Equals(spec.RedundantState, "PRIMARY", StringComparison.OrdinalIgnoreCase) ? "100" : "90"));
                    break;
            }
            parts.Add("dns1=198.18.0.1");
            parts.Add("useHttpsToUpload=true");
            return string.Join(" ", parts);
        }

        private static void WriteAgent(LabVm vm, string upper)
        {
            string agent = "usr/local/cloud/systemvm/";
            var spec = vm.Spec;
            Text(upper, agent + "_run.sh", "#!/bin/bash\n# lab agent launcher " + spec.Release + "\nexec java -cp ./cloud-agent.jar com.cloud.agent.AgentShell \"$@\"\n", "755");
            Text(upper, agent + "run.sh", "#!/bin/bash\n# lab agent wrapper " + spec.Release + "\ncd /usr/local/cloud/systemvm && ./_run.sh\n", "755");
            Text(upper, agent + "cloud-agent.jar", "lab agent jar for CloudStack " + spec.Release + "\n");
            Text(upper, agent + "version", spec.Release + "\n");
            Text(upper, agent + "conf/agent.properties", string.Create(CultureInfo.InvariantCulture,
                $"# lab agent.properties\nhost={ResolvedLab.BridgeAddress}\nport=8250\nzone={vm.Host.Zone.Id}\npod={vm.Host.Zone.PodId}\nname={vm.Name}\nguid={vm.Id}\nresource={(vm.Type == SystemVmType.SSVM ? "com.cloud.storage.resource.PremiumSecondaryStorageResource" : "consoleproxy.ConsoleProxyResource")}\n"));
            Text(upper, agent + "conf/log4j-cloud.xml", "<?xml version=\"1.0\"?>\n<!-- lab -->\n<configuration/>\n");
            // Distinct per VM, so a test can tell that a patch kept this VM's own keystore and certificates.
            Bytes(upper, agent + "conf/cloud.jks", PerVmBytes(vm, "keystore", 2048));
            Text(upper, agent + "certs/realhostip.crt", "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(PerVmBytes(vm, "cert", 600)) + "\n-----END CERTIFICATE-----\n");
            Text(upper, agent + "certs/realhostip.key", "lab dummy key material for " + vm.Name + " " + Hex(PerVmBytes(vm, "certkey", 16)) + "\n", "600");
            Text(upper, agent + "certs/customssl.crt", "lab custom certificate for " + vm.Name + "\n");
        }

        private static void WriteCloudScripts(LabVm vm, string upper)
        {
            string sig = vm.ScriptsSignature;
            string bin = "opt/cloud/bin/";
            string header = "#!/bin/bash\n# lab cloud script, scripts signature " + sig + "\n";
            Text(upper, bin + "get_template_version.sh", header + "echo \"$(cat /etc/cloudstack-release)&$(cat /var/cache/cloud/cloud-scripts-signature)\"\n", "755");
            Text(upper, bin + "setup/cloud-early-config", header + "exit 0\n", "755");
            Text(upper, bin + "update_config.py", "#!/usr/bin/python3\n# lab cloud script, scripts signature " + sig + "\n", "755");
            Text(upper, bin + "configure.py", "#!/usr/bin/python3\n# lab cloud script, scripts signature " + sig + "\n", "755");
            Text(upper, bin + "ipassoc.sh", header + "exit 0\n", "755");
            Text(upper, bin + "vr_cfg.sh", header + "exit 0\n", "755");
            if (vm.Type == SystemVmType.Router) Text(upper, bin + "checkrouter.sh", header + "echo \"Status: " + (vm.Spec.RedundantState ?? "PRIMARY") + "\"\n", "755");
            Text(upper, "usr/share/cloud/.lab-scripts-signature", sig + "\n");
        }

        private static void MakeOpaque(string path)
        {
            var value = Encoding.ASCII.GetBytes("y");
            if (LibC.SetXattr(path, "trusted.overlay.opaque", value, (nuint)value.Length, 0) != 0)
                throw new IOException($"Could not mark {path} opaque for overlayfs (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}); the lab root must support trusted xattrs (tmpfs does).");
        }

        private static void Text(string upper, string relative, string content, string? mode = null) =>
            Bytes(upper, relative, Encoding.UTF8.GetBytes(content), mode);

        private static void Bytes(string upper, string relative, byte[] content, string? mode = null)
        {
            string path = Path.Combine(upper, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
            if (mode != null) FileModes.Set(path, mode);
        }

        private static byte[] PerVmBytes(LabVm vm, string purpose, int length)
        {
            var result = new byte[length];
            var seed = SHA256.HashData(Encoding.UTF8.GetBytes(purpose + "/" + vm.Id));
            for (int block = 0; block * 32 < length; block++)
            {
                var chunk = SHA256.HashData(Concat(seed, BitConverter.GetBytes(block)));
                Array.Copy(chunk, 0, result, block * 32, Math.Min(32, length - block * 32));
            }
            return result;
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            var r = new byte[a.Length + b.Length];
            a.CopyTo(r, 0);
            b.CopyTo(r, a.Length);
            return r;
        }

        private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

        private static int Index(LabVm vm) => int.Parse(vm.NamespaceName.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture);

        /// <summary>A fixed build date per release, so the file is stable across runs.</summary>
        private static string ReleaseDate(string release)
        {
            int sum = 0;
            foreach (char c in release) sum += c;
            var date = new DateTime(2023, 6, 1 + sum % 28, 9, 12, 41, DateTimeKind.Utc);
            return date.ToString("ddd MMM d HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);
        }
    }
}
