using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit;

namespace SysVmPatch.Tests.NamespaceLab
{
    [Collection(LabCollection.Name)]
    public sealed class LabVmContentTests
    {
        [LabFact]
        public async Task Each_vm_has_the_files_of_a_system_vm_of_its_kind()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var expectedType = new[] { ("s-1-VM", "secstorage"), ("v-2-VM", "consoleproxy"), ("r-3-VM", "router"), ("r-4-VM", "vpcrouter") };
            foreach (var (name, type) in expectedType)
            {
                var vm = lab.Topology.Vm(name);
                string Read(string path) => File.ReadAllText(lab.VmPath(name, path));
                Assert.StartsWith($"Cloudstack Release {vm.Spec.Release} ", Read("/etc/cloudstack-release"));
                string cmdline = Read("/var/cache/cloud/cmdline");
                Assert.Single(cmdline.TrimEnd('\n').Split('\n'));
                Assert.Contains(" type=" + type + " ", " " + cmdline.TrimEnd() + " ");
                Assert.Contains("name=" + name, cmdline);
                Assert.Equal(string.Join(" ", vm.Spec.ServicesOrDefault()) + "\n", Read("/var/cache/cloud/enabled_svcs"));
                Assert.Equal(vm.ScriptsSignature + "\n", Read("/var/cache/cloud/cloud-scripts-signature"));
                Assert.True(File.Exists(lab.VmPath(name, "/var/cache/cloud/boot_up_done")));
                Assert.True(File.Exists(lab.VmPath(name, "/usr/local/cloud/systemvm/conf/agent.properties")));
                Assert.True(Directory.EnumerateFiles(lab.VmPath(name, "/usr/local/cloud/systemvm/certs")).Any());
                Assert.True(Directory.EnumerateFiles(lab.VmPath(name, "/opt/cloud/bin")).Count() >= 3);
                Assert.True(Directory.Exists(lab.VmPath(name, "/usr/share/cloud")));
                Assert.Equal(vm.Type == SysVmPatch.Engine.Inventory.SystemVmType.CPVM, File.Exists(lab.VmPath(name, "/root/vncport")));
            }
            Assert.Equal("0123456789abcdef0123456789abcdef\n", File.ReadAllText(lab.VmPath("r-4-VM", "/var/cache/cloud/cloud-scripts-signature")));
            Assert.Equal(ResolvedLab.SignatureForRelease("4.19.0.0") + "\n", File.ReadAllText(lab.VmPath("r-3-VM", "/var/cache/cloud/cloud-scripts-signature")));
            // Each VM's keystore is its own, so a test can see a patch kept it.
            Assert.NotEqual(File.ReadAllBytes(lab.VmPath("s-1-VM", "/usr/local/cloud/systemvm/conf/cloud.jks")),
                            File.ReadAllBytes(lab.VmPath("v-2-VM", "/usr/local/cloud/systemvm/conf/cloud.jks")));
        }

        [LabFact]
        public async Task A_vm_has_the_tools_a_live_patch_uses_and_its_own_root()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var vm = lab.Topology.Vm("v-2-VM");
            var tools = await OpenSsh.ViaHostAsync(lab, vm, "for t in unzip zip tar gzip md5sum df iptables systemctl service grep awk; do command -v $t >/dev/null || echo missing $t; done; " +
                "grep -Po 'type=\\K[a-zA-Z]*' /var/cache/cloud/cmdline; iptables -A INPUT -i eth2 -p tcp --dport 8080 -j ACCEPT && iptables -S INPUT | grep -c 8080; ls -A /root /tmp");
            Assert.True(tools.ExitCode == 0, tools.Output);
            Assert.DoesNotContain("missing", tools.Output);
            var lines = tools.Output.Split('\n');
            Assert.Equal("consoleproxy", lines[0]);
            Assert.Equal("1", lines[1]);
            // The host's /root and /tmp are not visible inside: only what the VM itself has.
            Assert.DoesNotContain(".nuget", tools.Output);

            var exec = await lab.ExecInVmAsync(vm.Name, "hostname; cat /root/vncport; echo $$");
            Assert.Equal(0, exec.ExitCode);
            Assert.Equal(new[] { "v-2-VM", "8080" }, exec.Output.Split('\n').Take(2));
            // The VM's iptables rule lives in the VM's own network namespace, not the host's.
            var hostRules = await OpenSsh.HostAsync(lab, vm.Host, "iptables -S INPUT | grep -c 8080 || true");
            Assert.Equal("0", hostRules.Output.Trim());
        }
    }
}
