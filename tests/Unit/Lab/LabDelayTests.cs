using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit;

namespace SysVmPatch.Tests.NamespaceLab
{
    /// <summary>The delayed links of the benchmark's WAN mode (LabOptions.UplinkDelay and VmLinkDelay).</summary>
    [Collection(LabCollection.Name)]
    public sealed class LabDelayTests
    {
        [LabFact]
        public async Task Delayed_links_hold_every_connection_and_answer_each_way_and_the_redirect_goes_with_the_lab()
        {
            // Large enough that no scheduling hiccup of an undelayed lab could reach the lower bounds below.
            var delay = TimeSpan.FromMilliseconds(300);
            await using (var lab = await Lab.StartAsync(SmallLabs.EveryKind(), new LabOptions { UplinkDelay = delay, VmLinkDelay = delay }))
            {
                var host = lab.Topology.Hosts[0];
                var clock = Stopwatch.StartNew();
                using (var tcp = new TcpClient())
                {
                    await tcp.ConnectAsync(host.Address, 22);
                    var buffer = new byte[64];
                    int n = await tcp.GetStream().ReadAsync(buffer);
                    // The connect's round trip (2 x delay), then the host's banner on its way back (1 x delay).
                    Assert.True(clock.Elapsed >= 3 * delay * 0.95, $"the host's banner came after {clock.Elapsed.TotalMilliseconds:0} ms");
                    Assert.StartsWith("SSH-2.0-", Encoding.ASCII.GetString(buffer, 0, n));
                }

                // Through the host to a VM: both links delay, and the relays carry a whole SSH session intact.
                var vm = lab.Topology.Vm("r-3-VM");
                clock.Restart();
                var through = await OpenSsh.ViaHostAsync(lab, vm, "head -c 300000 /dev/zero | md5sum", connectTimeoutSeconds: 30);
                Assert.True(through.ExitCode == 0, through.Output);
                Assert.Contains("4a21de7a58fb8ecb9a1b1f08a3068269", through.Output); // md5 of 300000 zero bytes
                Assert.True(clock.Elapsed >= 6 * delay * 0.95, $"ssh through both delayed links took {clock.Elapsed.TotalMilliseconds:0} ms");
            }
            // The root namespace outlives the lab: its redirect must not send the next lab's connections to a dead relay.
            var rules = await OpenSsh.RunAsync("iptables", new[] { "-t", "nat", "-S" });
            Assert.DoesNotContain("SVPLAB_DELAY", rules.Output);
        }
    }
}
