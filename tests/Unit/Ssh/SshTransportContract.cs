using System.Collections.Generic;
using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Ssh
{
    /// <summary>
    /// The transport contract: what every <see cref="ISshClient"/> must do against a real sshd on loopback, direct
    /// and through a jump hop. Each transport's test class derives from this and runs all of it.
    /// </summary>
    public abstract class SshTransportContract : IClassFixture<SshTransportContract.SshdFixture>
    {
        public sealed class SshdFixture : IDisposable
        {
            private LocalSshd? _sshd;
            public LocalSshd Sshd => _sshd ??= new LocalSshd();
            public void Dispose() => _sshd?.Dispose();
        }

        protected readonly SshdFixture _fixture;
        protected readonly ITestOutputHelper _output;

        protected abstract ISshClient NewClient();

        protected SshTransportContract(SshdFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        [SshdFact]
        public async Task Commands_through_a_jump_share_one_connection_and_report_output_and_exit_codes()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true), CancellationToken.None);
            var ok = await session.RunAsync(new SshCommand("echo out; echo err >&2; exit 0"), CancellationToken.None);
            var failed = await session.RunAsync(new SshCommand("exit 7"), CancellationToken.None);
            var third = await session.RunAsync(new SshCommand("printf '%s' \"a b\""), CancellationToken.None);

            Assert.Equal(0, ok.ExitCode);
            Assert.Equal("out\n", ok.Stdout);
            Assert.Contains("err", ok.Stderr);
            Assert.Equal(7, failed.ExitCode);
            Assert.Equal("a b\n", third.Stdout);
            Assert.Equal(1, client.ConnectionsOpened);
        }

        [SshdFact]
        public async Task Extra_ssh_options_reach_the_ssh_client_on_every_hop()
        {
            using var client = NewClient();
            // A key exchange both sides know works through the jump; a name ssh does not know fails, and says so.
            var offered = _fixture.Sshd.Route(viaJump: true) with { ExtraOptions = SshOptions.Check(new Dictionary<string, string> { ["KexAlgorithms"] = "curve25519-sha256" }) };
            using (var session = await client.OpenAsync("vm1", offered, CancellationToken.None))
                Assert.Equal("x\n", (await session.RunAsync(new SshCommand("echo x"), CancellationToken.None)).Stdout);

            var refused = _fixture.Sshd.Route(viaJump: true) with { ExtraOptions = SshOptions.Check(new Dictionary<string, string> { ["KexAlgorithms"] = "no-such-kex@example.org" }) };
            var ex = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", refused, CancellationToken.None));
            _output.WriteLine(ex.Message);
            Assert.Contains("no-such-kex@example.org", ex.Message);
        }

        [SshdFact]
        public async Task Stdin_streams_an_upload_byte_for_byte()
        {
            var data = new byte[3 * 1024 * 1024 + 17];
            new Random(42).NextBytes(data);
            string expected = Hex(MD5.HashData(data));
            string target = Path.Combine(_fixture.Sshd.Directory, "upload.bin");
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(), CancellationToken.None);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var result = await session.RunAsync(new SshCommand($"cat > {target} && md5sum {target}")
            {
                WriteStdin = async (s, ct) => await s.WriteAsync(data, 0, data.Length, ct),
            }, CancellationToken.None);
            _output.WriteLine($"uploaded {data.Length} bytes in {sw.ElapsedMilliseconds} ms");
            Assert.Equal(0, result.ExitCode);
            Assert.StartsWith(expected, result.Stdout);
        }

        [SshdFact]
        public async Task A_changed_host_key_is_refused_with_the_reason()
        {
            string wrong = Path.Combine(_fixture.Sshd.Directory, "known_hosts_wrong");
            File.WriteAllText(wrong, $"[127.0.0.1]:{_fixture.Sshd.Port} {File.ReadAllText(_fixture.Sshd.OtherKey + ".pub").Trim()}\n");
            using var client = NewClient();
            var ex = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(knownHosts: wrong), CancellationToken.None));
            Assert.Equal(SshErrorKind.HostKeyVerificationFailed, ex.Kind);
            Assert.Contains("vm1", ex.Message);
        }

        [SshdFact]
        public async Task A_key_the_server_does_not_accept_is_reported_as_authentication_refused()
        {
            using var client = NewClient();
            var ex = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(key: _fixture.Sshd.OtherKey), CancellationToken.None));
            Assert.Equal(SshErrorKind.AuthenticationFailed, ex.Kind);
            Assert.DoesNotContain("PRIVATE KEY", ex.Message);
        }

        [SshdFact]
        public async Task A_closed_port_is_connection_refused_and_a_dead_jump_host_is_named()
        {
            int closed = LocalSshd.FreePort();
            using var client = NewClient();
            var direct = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(port: closed), CancellationToken.None));
            Assert.Equal(SshErrorKind.ConnectionRefused, direct.Kind);

            var viaDeadJump = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true, jumpPort: closed), CancellationToken.None));
            Assert.Equal(SshErrorKind.JumpHostFailed, viaDeadJump.Kind);
            _output.WriteLine(viaDeadJump.Message);

            var jumpCannotReach = await Assert.ThrowsAsync<SshException>(() => client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true, port: closed), CancellationToken.None));
            Assert.Equal(SshErrorKind.JumpHostFailed, jumpCannotReach.Kind);
            _output.WriteLine(jumpCannotReach.Message);
        }

        [SshdFact]
        public async Task Cancellation_and_timeouts_stop_the_remote_command()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(), CancellationToken.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.RunAsync(new SshCommand("sleep 30"), cts.Token));
            var timeout = await Assert.ThrowsAsync<SshException>(() => session.RunAsync(new SshCommand("sleep 30") { Timeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None));
            Assert.Equal(SshErrorKind.CommandTimedOut, timeout.Kind);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(25), "the sleeps were not stopped");
            // The shared connection still works after a killed command.
            Assert.Equal("ok\n", (await session.RunAsync(new SshCommand("echo ok"), CancellationToken.None)).Stdout);
        }

        [SshdFact]
        public async Task Stdout_lines_arrive_while_the_command_runs()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(), CancellationToken.None);
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var result = await session.RunAsync(new SshCommand("for i in 1 2 3; do echo line$i; done") { OnStdoutLine = lines.Enqueue }, CancellationToken.None);
            Assert.Equal(new[] { "line1", "line2", "line3" }, lines.ToArray());
        }

        [SshdFact]
        public async Task A_command_without_input_sees_its_stdin_closed_and_an_empty_upload_ends()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true), CancellationToken.None);
            var noInput = await session.RunAsync(new SshCommand("cat; echo done") { Timeout = TimeSpan.FromSeconds(20) }, CancellationToken.None);
            Assert.Equal("done\n", noInput.Stdout);
            var empty = await session.RunAsync(new SshCommand("wc -c") { WriteStdin = (s, ct) => Task.CompletedTask, Timeout = TimeSpan.FromSeconds(20) }, CancellationToken.None);
            Assert.Equal("0", empty.Stdout.Trim());
        }

        [SshdFact]
        public async Task A_download_streams_stdout_byte_for_byte_and_exit_codes_survive_signals_and_errors()
        {
            var data = new byte[2 * 1024 * 1024 + 5];
            new Random(7).NextBytes(data);
            string source = Path.Combine(_fixture.Sshd.Directory, "download.bin");
            File.WriteAllBytes(source, data);
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(), CancellationToken.None);
            var received = new MemoryStream();
            var result = await session.RunAsync(new SshCommand($"cat {source}") { ReadStdout = (s, ct) => s.CopyToAsync(received, 81920, ct) }, CancellationToken.None);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(Hex(MD5.HashData(data)), Hex(MD5.HashData(received.ToArray())));
            var missing = await session.RunAsync(new SshCommand("ls /no/such/path"), CancellationToken.None);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.NotEqual(255, missing.ExitCode);
            Assert.Contains("/no/such/path", missing.Stderr);
        }

        [SshdFact]
        public async Task Six_vms_at_once_through_one_jump_host_each_get_their_own_answers()
        {
            using var client = NewClient();
            // A loaded machine: six handshakes at once may take longer than the fixture's usual 5 s.
            var route = _fixture.Sshd.Route(viaJump: true) with { ConnectTimeout = TimeSpan.FromSeconds(60) };
            var runs = new List<Task<string>>();
            for (int i = 0; i < 6; i++)
            {
                int n = i;
                runs.Add(Task.Run(async () =>
                {
                    var session = await client.OpenAsync("vm" + n, route, "echo opened" + n, CancellationToken.None);
                    try
                    {
                        var r = await session.RunAsync(new SshCommand($"echo vm{n}") { WriteStdin = null }, CancellationToken.None);
                        return session.OpeningOutput + r.Stdout;
                    }
                    finally { await session.CloseAsync(); }
                }));
            }
            var outputs = await Task.WhenAll(runs);
            for (int i = 0; i < 6; i++) Assert.Equal($"opened{i}\nvm{i}\n", outputs[i]);
            Assert.Equal(6, client.ConnectionsOpened);
        }

        [SshdFact]
        public async Task Output_past_the_limit_is_read_and_dropped_and_the_real_exit_code_still_comes()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true), CancellationToken.None);
            // 3 MB on stdout and 1 MB on stderr, far past the window of either transport's pipes: a reader that stopped
            // at the limit would leave the command blocked until the timeout, instead of its exit code 6.
            var big = await session.RunAsync(new SshCommand("head -c 3000000 /dev/zero | tr '\\0' x; head -c 1000000 /dev/zero | tr '\\0' y >&2; exit 6")
            {
                MaxOutputBytes = 10_000, Timeout = TimeSpan.FromSeconds(60),
            }, CancellationToken.None);
            Assert.Equal(6, big.ExitCode);
            Assert.True(big.StdoutTruncated);
            Assert.True(big.StderrTruncated);
            Assert.Equal(new string('x', 10_000) + "\n", big.Stdout);
            Assert.Equal(new string('y', 10_000) + "\n", big.Stderr);

            var small = await session.RunAsync(new SshCommand("echo fits; echo also >&2") { MaxOutputBytes = 10_000 }, CancellationToken.None);
            Assert.Equal("fits\n", small.Stdout);
            Assert.Equal("also\n", small.Stderr);
            Assert.False(small.StdoutTruncated || small.StderrTruncated);
        }

        [SshdFact]
        public async Task A_line_without_end_is_bounded_by_the_limit_and_stopped_by_the_timeout()
        {
            using var client = NewClient();
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(), CancellationToken.None);
            // One endless line, for which a line reader would grow one string until the timeout: read raw, kept to 1000
            // bytes, and the command still ends at its timeout.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<SshException>(() => session.RunAsync(new SshCommand("cat /dev/zero")
            {
                MaxOutputBytes = 1000, Timeout = TimeSpan.FromSeconds(3),
            }, CancellationToken.None));
            Assert.Equal(SshErrorKind.CommandTimedOut, ex.Kind);
            _output.WriteLine($"stopped after {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed.TotalSeconds:0} s");
        }

        protected static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder();
            foreach (var b in bytes) sb.Append(b.ToString("x2"));
            return sb.ToString();
        }
    }

    public sealed class OpenSshClientTests : SshTransportContract
    {
        public OpenSshClientTests(SshdFixture fixture, ITestOutputHelper output) : base(fixture, output) { }

        protected override ISshClient NewClient() => new OpenSshClient();

        [SshdFact]
        public async Task Without_connection_sharing_each_command_is_its_own_connection()
        {
            using var client = new OpenSshClient(shareConnections: false);
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true), CancellationToken.None);
            for (int i = 0; i < 3; i++)
                Assert.Equal("x\n", (await session.RunAsync(new SshCommand("echo x"), CancellationToken.None)).Stdout);
            Assert.Equal(3, client.ConnectionsOpened);
        }
    }
}
