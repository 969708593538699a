using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Ssh.SshNet;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Ssh.SshNet
{
    /// <summary>The SSH.NET transport: the whole transport contract, and what only it does.</summary>
    public sealed class SshNetClientTests : SshTransportContract
    {
        public SshNetClientTests(SshdFixture fixture, ITestOutputHelper output) : base(fixture, output) { }

        protected override ISshClient NewClient() => new SshNetClient();

        [SshdFact]
        public async Task Vms_behind_one_host_share_its_one_connection_and_each_forward_closes_with_its_session()
        {
            using var client = new SshNetClient();
            var route = _fixture.Sshd.Route(viaJump: true);
            var sessions = new List<ISshSession>();
            for (int i = 0; i < 4; i++) sessions.Add(await client.OpenAsync("vm" + i, route, CancellationToken.None));
            foreach (var s in sessions) Assert.Equal("x\n", (await s.RunAsync(new SshCommand("echo x"), CancellationToken.None)).Stdout);
            Assert.Equal(1, client.JumpConnectionsOpened);
            Assert.Equal(4, client.ConnectionsOpened);
            int before = LoopbackListeners();
            foreach (var s in sessions) await s.CloseAsync();
            Assert.Equal(before - 4, LoopbackListeners());
            // The host's connection outlives the VMs' sessions: the next VM behind it costs one handshake, not two.
            using (var next = await client.OpenAsync("vm9", route, CancellationToken.None)) { }
            Assert.Equal(1, client.JumpConnectionsOpened);
        }

        [Fact]
        public void A_parallelism_beyond_the_pools_maximum_still_raises_its_minimum()
        {
            // SetMinThreads refuses a value above the pool's maximum and changes nothing: 16 + 4 x 10000 was refused.
            ThreadPool.GetMinThreads(out int before, out int io);
            try
            {
                ThreadPool.SetMinThreads(Environment.ProcessorCount, io);
                using var client = new SshNetClient(new SshNetClientOptions { Parallelism = 10_000 });
                ThreadPool.GetMinThreads(out int after, out _);
                Assert.True(after >= 16 + 4 * 64, $"the pool's minimum stayed at {after} threads");
            }
            finally { ThreadPool.SetMinThreads(before, io); }
        }

        [SshdFact]
        public async Task The_pools_minimum_follows_the_vms_connected_at_once_not_the_parallelism_guessed()
        {
            // Each VM's forward holds a pool thread inside SSH.NET while its session lives: 20 VMs under a caller
            // that said 1 must not leave the pool at the 1's size.
            ThreadPool.GetMinThreads(out int before, out int io);
            var sessions = new List<ISshSession>();
            try
            {
                ThreadPool.SetMinThreads(Environment.ProcessorCount, io);
                using var client = new SshNetClient(new SshNetClientOptions { Parallelism = 1 });
                var route = _fixture.Sshd.Route(viaJump: true);
                for (int i = 0; i < 20; i++) sessions.Add(await client.OpenAsync("vm" + i, route, CancellationToken.None));
                ThreadPool.GetMinThreads(out int during, out _);
                Assert.True(during >= 16 + 4 * 20, $"20 VMs connected, the pool's minimum is {during} threads");
                foreach (var s in sessions) await s.CloseAsync();
                sessions.Clear();
                using var unsized = new SshNetClient(new SshNetClientOptions { Parallelism = 1, SizeThreadPool = false });
                ThreadPool.SetMinThreads(Environment.ProcessorCount, io);
                using (var one = await unsized.OpenAsync("vm0", route, CancellationToken.None)) { }
                ThreadPool.GetMinThreads(out int untouched, out _);
                Assert.Equal(Environment.ProcessorCount, untouched);
            }
            finally
            {
                foreach (var s in sessions) s.Dispose();
                ThreadPool.SetMinThreads(before, io);
            }
        }

        // Listening TCP sockets on 127.0.0.1 of this process (the forwards), read from /proc/net/tcp.
        private static int LoopbackListeners()
        {
            var inodes = new HashSet<string>(Directory.GetFiles("/proc/self/fd").Select(f => { try { return new FileInfo(f).LinkTarget ?? ""; } catch (IOException) { return ""; } })
                .Where(t => t.StartsWith("socket:[")).Select(t => t.Substring(8, t.Length - 9)));
            return File.ReadAllLines("/proc/net/tcp").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Count(f => f[1].StartsWith("0100007F:") && f[3] == "0A" && inodes.Contains(f[9]));
        }

        [SshdFact]
        public async Task A_vm_behind_a_forward_is_checked_under_its_own_name_not_the_forwards_address()
        {
            // The jump reaches the VM as "localhost"; the forward makes it 127.0.0.1 locally. Only a line for
            // [localhost]:port may vouch for it.
            string hostKey = File.ReadAllText(_fixture.Sshd.KnownHosts).Split(' ', 2)[1].Trim();
            string onlyLoopback = Path.Combine(_fixture.Sshd.Directory, "kh_loopback");
            File.WriteAllText(onlyLoopback, $"[127.0.0.1]:{_fixture.Sshd.Port} {hostKey}\n");
            string both = Path.Combine(_fixture.Sshd.Directory, "kh_both");
            File.WriteAllText(both, $"[127.0.0.1]:{_fixture.Sshd.Port} {hostKey}\n[localhost]:{_fixture.Sshd.Port} {hostKey}\n");
            using var client = new SshNetClient();
            var route = _fixture.Sshd.Route(viaJump: true, knownHosts: onlyLoopback);
            route = route with { Target = route.Target with { Host = "localhost" } };
            var refused = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", route, CancellationToken.None));
            Assert.Equal(SshErrorKind.HostKeyVerificationFailed, refused.Kind);
            Assert.Contains("localhost", refused.Message);

            using var client2 = new SshNetClient();
            using var ok = await client2.OpenAsync("vm1", route with { KnownHostsFile = both }, CancellationToken.None);
            Assert.Equal("x\n", (await ok.RunAsync(new SshCommand("echo x"), CancellationToken.None)).Stdout);
        }

        [SshdFact]
        public async Task An_unknown_key_is_refused_unless_strict_checking_is_off_and_then_it_is_announced()
        {
            string empty = Path.Combine(_fixture.Sshd.Directory, "kh_empty");
            File.WriteAllText(empty, "");
            using var client = new SshNetClient();
            var ex = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(knownHosts: empty), CancellationToken.None));
            Assert.Equal(SshErrorKind.HostKeyVerificationFailed, ex.Kind);

            var warnings = new List<string>();
            using var loose = new SshNetClient(new SshNetClientOptions { Warn = warnings.Add });
            using var session = await loose.OpenAsync("vm1", _fixture.Sshd.Route(knownHosts: empty) with { StrictHostKeyChecking = false }, CancellationToken.None);
            Assert.Contains(warnings, w => w.Contains("UNKNOWN host key"));
        }

        [SshdFact]
        public void Nothing_with_sha1_cbc_or_group1_is_offered_and_modern_algorithms_come_first()
        {
            var info = new Renci.SshNet.ConnectionInfo("h", "u", new Renci.SshNet.NoneAuthenticationMethod("u"));
            AlgorithmPolicy.Apply(info);
            var all = info.KeyExchangeAlgorithms.Keys.Concat(info.Encryptions.Keys).Concat(info.HmacAlgorithms.Keys).Concat(info.HostKeyAlgorithms.Keys).ToList();
            _output.WriteLine("kex: " + string.Join(", ", info.KeyExchangeAlgorithms.Keys));
            _output.WriteLine("ciphers: " + string.Join(", ", info.Encryptions.Keys));
            _output.WriteLine("macs: " + string.Join(", ", info.HmacAlgorithms.Keys));
            _output.WriteLine("host keys: " + string.Join(", ", info.HostKeyAlgorithms.Keys));
            Assert.DoesNotContain(all, a => a.Contains("sha1") || a.Contains("cbc") || a.Contains("group1-") || a == "ssh-rsa" || a.Contains("dss"));
            Assert.StartsWith("curve25519", info.KeyExchangeAlgorithms.Keys.First(k => !k.Contains("mlkem") && !k.Contains("sntrup")));
            Assert.Contains("gcm", info.Encryptions.Keys.First());
            Assert.EndsWith("-etm@openssh.com", info.HmacAlgorithms.Keys.First());
            Assert.Contains("rsa-sha2-512", info.HostKeyAlgorithms.Keys);
        }
    }
}
