using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using Xunit.Abstractions;
using static SysVmPatch.Tests.FakeCloudStack.FakeServerHarness;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>
    /// A management server that sends a newline and a ProxyCommand in an address field (or an operator who pastes
    /// one into -JumpHost) gets nothing run on the workstation: the real ssh client is started the way
    /// Compare-SysVmVersion -Probe starts it, and the file the injected command would create never appears.
    /// </summary>
    public sealed class HostileAddressTests
    {
        private readonly ITestOutputHelper _output;

        public HostileAddressTests(ITestOutputHelper output) { _output = output; }

        [Theory]
        [InlineData("linklocalip")]
        [InlineData("privateip")]
        [InlineData("host ipaddress")]
        [InlineData("-JumpHost")]
        public async Task An_injected_ProxyCommand_or_LocalCommand_runs_nothing_on_the_workstation(string field)
        {
            string marker = Path.Combine(Path.GetTempPath(), "svp-injected-" + Guid.NewGuid().ToString("N"));
            string inject = $"169.254.9.9\n  ProxyCommand touch {marker}\n  PermitLocalCommand yes\n  LocalCommand touch {marker}";
            await using var server = await StartAsync();
            var lab = server.Lab.Vm("s-1-VM");
            var options = new SshRouteOptions { ConnectTimeout = TimeSpan.FromSeconds(3), KnownHostsFile = Path.Combine(Path.GetTempPath(), "svp-no-known-hosts") };
            switch (field)
            {
                case "linklocalip": server.SetApiAddresses("s-1-VM", linkLocalIp: inject); break;
                case "privateip": server.SetApiAddresses("s-1-VM", privateIp: inject, hypervisor: "VMware"); break;
                case "host ipaddress": server.SetHostAddress(lab.Host.Name, inject); break;
                default: options = options with { JumpHost = "root@" + inject.Replace("169.254.9.9", "bastion") }; break;
            }
            using var client = new CloudStackClient(Settings(server));
            var vm = (await InventoryReader.ReadAsync(new[] { client }, new InventoryQuery(), CancellationToken.None)).Single(v => v.Name == "s-1-VM");

            using var ssh = new OpenSshClient();
            var probe = await new SshVmProber(ssh, options).ProbeAsync(vm, CancellationToken.None);
            _output.WriteLine($"{field}: {probe.Error}");
            await Task.Delay(200); // a ProxyCommand started in the background would have run by now
            bool created = File.Exists(marker);
            if (created) File.Delete(marker);
            Assert.False(created, $"the injected command ran on the workstation ({marker} exists)");
            Assert.NotNull(probe.Error);
            Assert.DoesNotContain("\n", probe.Error, StringComparison.Ordinal);
        }
    }
}
