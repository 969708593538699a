using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Fleet;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Ssh.SshNet;
using SysVmPatch.Tests.Ssh;
using Xunit;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Fleet
{
    /// <summary>
    /// The fleet runner against a real sshd on loopback (a VM reached on its private address, as on VMware), on both
    /// transports: operators' commands arrive verbatim whatever their quotes, a hung command is stopped on the server
    /// too, and output past the limit is cut while the exit code stays real.
    /// </summary>
    public sealed class FleetCommandSshdTests : IClassFixture<SshTransportContract.SshdFixture>
    {
        private readonly SshTransportContract.SshdFixture _fixture;
        private readonly ITestOutputHelper _output;

        public FleetCommandSshdTests(SshTransportContract.SshdFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private SystemVm Vm(string name) => new()
        {
            Id = name, Name = name, Type = SystemVmType.SSVM, State = "Running", Hypervisor = "VMware", PrivateIp = "127.0.0.1", Server = "ms1",
        };

        private SshRouteOptions Route() => new()
        {
            Port = _fixture.Sshd.Port, User = _fixture.Sshd.User, IdentityFile = _fixture.Sshd.ClientKey, KnownHostsFile = _fixture.Sshd.KnownHosts,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };

        private static ISshClient Client(SshTransport transport) => transport == SshTransport.OpenSsh ? new OpenSshClient() : new SshNetClient();

        private async Task<(VmCommandResult? Result, VmAccessException? Failure)> RunOne(SshTransport transport, FleetCommandOptions options)
        {
            using var client = Client(transport);
            VmCommandResult? result = null;
            VmAccessException? failure = null;
            var runner = new FleetCommandRunner(client, Route(), new HistoryRecorder(null, null));
            await runner.RunAsync(new[] { Vm("s-1-VM") }, options, "run", r => result = r, f => failure = f, CancellationToken.None);
            return (result, failure);
        }

        [SshdTheory]
        [InlineData(SshTransport.SshNet)]
        [InlineData(SshTransport.OpenSsh)]
        public async Task A_command_with_quotes_variables_and_lines_runs_as_typed(SshTransport transport)
        {
            const string command = "v='it'\\''s'; printf '%s|%s|%s\\n' \"$v\" '$HOME' \"a  b\"\necho \"line2 $((6*7))\" >&2; exit 4";
            var (result, failure) = await RunOne(transport, new FleetCommandOptions(command));
            Assert.Null(failure);
            Assert.Equal("it's|$HOME|a  b\n", result!.Stdout);
            Assert.Equal("line2 42\n", result.Stderr);
            Assert.Equal(4, result.ExitCode);
            Assert.Equal(command, result.Command);
        }

        [SshdTheory]
        [InlineData(SshTransport.SshNet)]
        [InlineData(SshTransport.OpenSsh)]
        public async Task A_hung_command_is_reported_timed_out_and_does_not_outlive_its_timeout_on_the_server(SshTransport transport)
        {
            string marker = "sleep " + (4000 + (int)transport * 7 + Environment.ProcessId % 1000);
            var watch = Stopwatch.StartNew();
            var (result, failure) = await RunOne(transport, new FleetCommandOptions(marker) { Timeout = TimeSpan.FromSeconds(2) });
            _output.WriteLine($"reported after {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.Null(result);
            Assert.Equal("VmCommandTimedOut", failure!.ErrorId);
            // The server's own timeout ends it shortly after (RemoteCommandText.VmGrace plus the TERM): poll, don't guess.
            bool gone = false;
            for (int i = 0; i < 40 && !gone; i++)
            {
                gone = !Running(marker);
                if (!gone) await Task.Delay(500);
            }
            Assert.True(gone, $"'{marker}' still runs on the server 20 s after its 2 s timeout");
        }

        [SshdTheory]
        [InlineData(SshTransport.SshNet)]
        [InlineData(SshTransport.OpenSsh)]
        public async Task Output_past_the_limit_is_cut_and_flagged(SshTransport transport)
        {
            var (result, _) = await RunOne(transport, new FleetCommandOptions("seq 1 200000; exit 2") { MaxOutputBytes = 1000 });
            Assert.Equal(2, result!.ExitCode);
            Assert.True(result.StdoutTruncated);
            Assert.True(result.Truncated);
            Assert.False(result.StderrTruncated);
            Assert.StartsWith("1\n2\n3\n", result.Stdout);
            Assert.True(result.Stdout.Length <= 1001, $"{result.Stdout.Length} characters kept");
        }

        // pgrep on this machine: the loopback sshd runs its commands here.
        private static bool Running(string commandLine)
        {
            using var p = Process.Start(new ProcessStartInfo("pgrep", $"-f \"^{commandLine}$\"") { UseShellExecute = false, RedirectStandardOutput = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
    }

    /// <summary>A theory needing a local sshd; skipped with the reason elsewhere.</summary>
    public sealed class SshdTheoryAttribute : TheoryAttribute
    {
        public SshdTheoryAttribute() { Skip = new SshdFactAttribute().Skip; }
    }
}
