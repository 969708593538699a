using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit;

namespace SysVmPatch.Tests.NamespaceLab
{
    [Collection(LabCollection.Name)]
    public sealed class LabFaultTests
    {
        [LabFact]
        public async Task The_systemctl_stand_in_records_calls_and_a_fail_fault_makes_restart_fail()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var vm = lab.Topology.Vm("s-1-VM");
            Assert.Equal("active", lab.ServiceState(vm.Name, "apache2"));

            var ok = await OpenSsh.ViaHostAsync(lab, vm, "systemctl daemon-reload && systemctl restart cloud && systemctl is-active --quiet cloud && service apache2 restart && echo fine");
            Assert.True(ok.ExitCode == 0, ok.Output);
            var calls = lab.ServiceCalls(vm.Name).Select(c => c.Substring(c.IndexOf(' ') + 1)).ToList();
            Assert.Equal(new[] { "systemctl daemon-reload", "systemctl restart cloud", "systemctl is-active --quiet cloud", "service apache2 restart" }, calls);
            Assert.All(lab.ServiceCalls(vm.Name), c => Assert.True(long.Parse(c.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) > 1_600_000_000_000));

            lab.SetServiceFault(vm.Name, "cloud", "fail");
            var failed = await OpenSsh.ViaHostAsync(lab, vm, "systemctl restart cloud 2>&1; echo restart=$?; systemctl is-active cloud; echo active=$?");
            Assert.Contains("restart=1", failed.Output);
            Assert.Contains("failed\nactive=3", failed.Output);
            Assert.Equal("failed", lab.ServiceState(vm.Name, "cloud"));

            // fail-once: the patch's restart fails, the rollback's restart succeeds.
            lab.SetServiceFault(vm.Name, "cloud", "fail-once");
            var once = await OpenSsh.ViaHostAsync(lab, vm, "systemctl restart cloud 2>&1; echo first=$?; systemctl restart cloud 2>&1; echo second=$?; systemctl is-active cloud");
            Assert.Contains("first=1", once.Output);
            Assert.Contains("second=0", once.Output);
            Assert.EndsWith("active\n", once.Output);

            lab.SetServiceFault(vm.Name, "cloud", null);
            var unknown = await OpenSsh.ViaHostAsync(lab, vm, "systemctl restart nosuchsvc; echo rc=$?");
            Assert.Contains("rc=5", unknown.Output);
            Assert.Throws<ArgumentException>(() => lab.SetServiceFault(vm.Name, "cloud", "explode"));
        }

        [LabFact]
        public async Task A_slow_service_takes_its_time_to_restart()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            lab.SetServiceFault("r-3-VM", "haproxy", "slow:1.5");
            var timed = await lab.ExecInVmAsync("r-3-VM", "s=$(date +%s%N); systemctl restart haproxy; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); systemctl is-active haproxy");
            Assert.Equal(0, timed.ExitCode);
            var lines = timed.Output.Split('\n');
            Assert.True(long.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture) >= 1400, timed.Output);
            Assert.Equal("active", lines[1]);
        }

        [LabFact]
        public async Task A_small_disk_fills_up_and_writes_fail_with_no_space_left()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind(diskMiBForRouter: 8));
            var vm = lab.Topology.Vm("r-3-VM");
            var df = await OpenSsh.ViaHostAsync(lab, vm, "df -Pm / | tail -1 | awk '{print $2}'");
            Assert.True(df.ExitCode == 0, df.Output);
            Assert.InRange(int.Parse(df.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture), 1, 8);

            var fill = await OpenSsh.ViaHostAsync(lab, vm, "dd if=/dev/zero of=/var/cache/cloud/agent.zip bs=1M count=20 2>&1; echo rc=$?");
            Assert.Contains("No space left on device", fill.Output);
            Assert.DoesNotContain("rc=0", fill.Output);

            // A VM without DiskMiB has room for the same file.
            var roomy = await OpenSsh.ViaHostAsync(lab, lab.Topology.Vm("r-4-VM"), "dd if=/dev/zero of=/var/cache/cloud/agent.zip bs=1M count=20 2>&1; echo rc=$?");
            Assert.Contains("rc=0", roomy.Output);
        }

        [LabFact]
        public async Task A_drop_after_bytes_fault_breaks_a_transfer_midway_until_cleared()
        {
            // A slow link leaves the watcher seconds of slack even on a loaded machine.
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind(), new LabOptions { DropFaultLinkRate = "4mbit" });
            var vm = lab.Topology.Vm("s-1-VM");
            string local = Path.Combine(lab.RootDirectory, "agent.zip");
            var content = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
            File.WriteAllBytes(local, content);

            await lab.SetDropAfterBytesAsync(vm.Name, 256 * 1024);
            var broken = await OpenSsh.CopyToVmAsync(lab, vm, local, "/var/cache/cloud/agent.zip");
            Assert.NotEqual(0, broken.ExitCode);
            long partial = new FileInfo(lab.VmPath(vm.Name, "/var/cache/cloud/agent.zip")).Length;
            Assert.InRange(partial, 256 * 1024 + 1, content.Length - 1);
            Assert.Equal(1, lab.DropCount(vm.Name));

            // A stream through `ssh cat` breaks the same way, and the VM's sshd itself stays up.
            var piped = await OpenSsh.RunAsync("ssh", new[] { "-F", lab.SshConfigPath, "-J", "root@" + vm.Host.Address, "-p", "3922", "root@" + vm.LinkLocalIp, "cat > /tmp/agent.zip" }, stdinFile: local);
            Assert.NotEqual(0, piped.ExitCode);
            Assert.Equal(2, lab.DropCount(vm.Name));
            Assert.True(lab.IsVmRunning(vm.Name));

            await lab.SetDropAfterBytesAsync(vm.Name, 0);
            var whole = await OpenSsh.CopyToVmAsync(lab, vm, local, "/var/cache/cloud/agent.zip");
            Assert.True(whole.ExitCode == 0, whole.Output);
            Assert.Equal(content, File.ReadAllBytes(lab.VmPath(vm.Name, "/var/cache/cloud/agent.zip")));
        }
    }
}
