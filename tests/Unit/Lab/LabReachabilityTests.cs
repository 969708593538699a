using System.IO;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit;

namespace SysVmPatch.Tests.NamespaceLab
{
    [Collection(LabCollection.Name)]
    public sealed class LabReachabilityTests
    {
        [LabFact]
        public async Task A_vm_is_reachable_through_its_host_only()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var vm = lab.Topology.Vm("r-3-VM");

            var viaHost = await OpenSsh.ViaHostAsync(lab, vm, "hostname; cat /var/cache/cloud/cmdline");
            Assert.True(viaHost.ExitCode == 0, viaHost.Output);
            Assert.Contains("r-3-VM", viaHost.Output);
            Assert.Contains("eth1ip=" + vm.LinkLocalIp, viaHost.Output);

            var direct = await OpenSsh.DirectAsync(lab, vm, "hostname");
            Assert.NotEqual(0, direct.ExitCode);
            Assert.DoesNotContain("r-3-VM", direct.Output);

            // Through the wrong host the link-local address is not there either (each host has its own cloud0).
            var otherHost = lab.Topology.Host("kvm-a");
            var wrongJump = await OpenSsh.RunAsync("ssh", new[] { "-F", lab.SshConfigPath, "-o", "ConnectTimeout=3", "-J", "root@" + otherHost.Address, "-p", "3922", "root@" + vm.LinkLocalIp, "hostname" });
            Assert.NotEqual(0, wrongJump.ExitCode);
        }

        [LabFact]
        public async Task Host_keys_are_checked_strictly_against_the_labs_known_hosts()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var host = lab.Topology.Host("kvm-a");
            string emptyKnownHosts = Path.Combine(lab.RootDirectory, "empty_known_hosts");
            File.WriteAllText(emptyKnownHosts, "");

            var known = await OpenSsh.RunAsync("ssh", new[] { "-i", lab.PrivateKeyPath, "-o", "UserKnownHostsFile=" + lab.KnownHostsPath, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "root@" + host.Address, "hostname" });
            Assert.True(known.ExitCode == 0, known.Output);
            Assert.Equal("kvm-a", known.Output.Trim());

            var unknown = await OpenSsh.RunAsync("ssh", new[] { "-i", lab.PrivateKeyPath, "-o", "UserKnownHostsFile=" + emptyKnownHosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "root@" + host.Address, "hostname" });
            Assert.NotEqual(0, unknown.ExitCode);
            Assert.Contains("Host key verification failed", unknown.Output);

            // No key, no entry: passwords are off.
            var noKey = await OpenSsh.RunAsync("ssh", new[] { "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null", "-o", "UserKnownHostsFile=" + lab.KnownHostsPath, "-o", "BatchMode=yes", "root@" + host.Address, "hostname" });
            Assert.NotEqual(0, noKey.ExitCode);
            Assert.Contains("Permission denied", noKey.Output);
        }

        [LabFact]
        public async Task A_host_that_is_down_makes_its_vms_unreachable_until_it_is_back()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var vm = lab.Topology.Vm("s-1-VM");
            var sameHostOther = lab.Topology.Vm("v-2-VM");
            var elsewhere = lab.Topology.Vm("r-3-VM");

            await lab.SetHostDownAsync("kvm-a", true);
            Assert.True(lab.IsHostDown("kvm-a"));
            Assert.NotEqual(0, (await OpenSsh.ViaHostAsync(lab, vm, "true", connectTimeoutSeconds: 3)).ExitCode);
            Assert.NotEqual(0, (await OpenSsh.ViaHostAsync(lab, sameHostOther, "true", connectTimeoutSeconds: 3)).ExitCode);
            Assert.NotEqual(0, (await OpenSsh.HostAsync(lab, vm.Host, "true")).ExitCode);
            // The VMs themselves still run; only the way to them is gone. Other hosts are untouched.
            Assert.True(lab.IsVmRunning("s-1-VM"));
            Assert.Equal(0, (await OpenSsh.ViaHostAsync(lab, elsewhere, "true")).ExitCode);

            await lab.SetHostDownAsync("kvm-a", false);
            var back = await OpenSsh.ViaHostAsync(lab, vm, "hostname");
            Assert.True(back.ExitCode == 0, back.Output);
            Assert.Contains("s-1-VM", back.Output);
        }

        [LabFact]
        public async Task Stopping_a_vm_takes_its_sshd_away_and_starting_it_brings_it_back_with_its_disk()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var vm = lab.Topology.Vm("v-2-VM");
            Assert.Equal(0, (await OpenSsh.ViaHostAsync(lab, vm, "echo kept > /var/cache/cloud/marker; systemctl stop cloud; sleep 300 >/dev/null 2>&1 &")).ExitCode);
            Assert.Equal("inactive", lab.ServiceState(vm.Name, "cloud"));

            await lab.StopVmAsync(vm.Name);
            Assert.False(lab.IsVmRunning(vm.Name));
            var whileStopped = await OpenSsh.ViaHostAsync(lab, vm, "true", connectTimeoutSeconds: 3);
            Assert.NotEqual(0, whileStopped.ExitCode);
            await Assert.ThrowsAsync<System.InvalidOperationException>(() => lab.ExecInVmAsync(vm.Name, "true"));
            Assert.Equal("kept\n", File.ReadAllText(lab.VmPath(vm.Name, "/var/cache/cloud/marker")));

            await lab.StartVmAsync(vm.Name);
            Assert.True(lab.IsVmRunning(vm.Name));
            var after = await OpenSsh.ViaHostAsync(lab, vm, "cat /var/cache/cloud/marker; pgrep -c sleep || true");
            Assert.True(after.ExitCode == 0, after.Output);
            Assert.StartsWith("kept", after.Output);
            // The old boot's processes died with it, and the boot started the enabled services again.
            Assert.Contains("0", after.Output.Split('\n')[1]);
            Assert.Equal("active", lab.ServiceState(vm.Name, "cloud"));

            await lab.RebootVmAsync(vm.Name);
            Assert.Equal(0, (await OpenSsh.ViaHostAsync(lab, vm, "true")).ExitCode);
        }
    }
}
