using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Fleet;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Tests.History;
using SysVmPatch.Tests.LivePatch;
using Xunit;

namespace SysVmPatch.Tests.Fleet
{
    /// <summary>
    /// The fleet runner's own rules, on a transport that answers from memory: the throttle, one VM's failure not
    /// stopping the others, stopped VMs refused unseen, what reaches the transport, and the history. The transports
    /// themselves (bounded output, timeouts) are tested against a real sshd in the transport contract and below.
    /// </summary>
    public sealed class FleetCommandRunnerTests : IDisposable
    {
        private readonly TempHistoryFolder _folder = new();
        private readonly HistoryStore _store;

        public FleetCommandRunnerTests() { _store = new HistoryStore(_folder.StorePath); }

        public void Dispose() => _folder.Dispose();

        private static SystemVm Vm(int n, string state = "Running") => new()
        {
            Id = "id-" + n, Name = $"r-{n}-VM", Type = SystemVmType.Router, State = state, Hypervisor = "KVM", HostName = "kvm-01",
            HostAddress = "198.18.0.1", LinkLocalIp = "169.254.0." + n, ZoneName = "z1", Server = "ms1",
        };

        private async Task<(List<VmCommandResult> Results, List<VmAccessException> Failures, FleetCommandSummary Summary)> Run(
            MemorySsh ssh, IReadOnlyList<SystemVm> vms, FleetCommandOptions options, CancellationToken cancellationToken = default)
        {
            var results = new ConcurrentQueue<VmCommandResult>();
            var failures = new ConcurrentQueue<VmAccessException>();
            var runner = new FleetCommandRunner(ssh.Client, new SshRouteOptions(), new HistoryRecorder(_store, null));
            var summary = await runner.RunAsync(vms, options, "run-1", results.Enqueue, failures.Enqueue, cancellationToken);
            return (results.ToList(), failures.ToList(), summary);
        }

        [Fact]
        public async Task No_more_VMs_than_the_throttle_limit_run_at_once_and_all_of_them_run()
        {
            var ssh = new MemorySsh { Delay = TimeSpan.FromMilliseconds(150) };
            var vms = Enumerable.Range(1, 12).Select(n => Vm(n)).ToList();
            var run = await Run(ssh, vms, new FleetCommandOptions("uptime") { ThrottleLimit = 3 });

            Assert.Equal(12, run.Results.Count);
            Assert.Equal(3, ssh.MostAtOnce);
            Assert.Equal(new FleetCommandSummary("run-1", 12, 12, 0), run.Summary);
            Assert.Equal(vms.Select(v => v.Name).OrderBy(n => n), run.Results.Select(r => r.VmName).OrderBy(n => n));
        }

        [Fact]
        public async Task A_throttle_of_one_runs_the_VMs_one_after_another()
        {
            var ssh = new MemorySsh { Delay = TimeSpan.FromMilliseconds(50) };
            await Run(ssh, Enumerable.Range(1, 5).Select(n => Vm(n)).ToList(), new FleetCommandOptions("uptime") { ThrottleLimit = 1 });
            Assert.Equal(1, ssh.MostAtOnce);
            Assert.Equal(5, ssh.Commands.Count);
        }

        [Fact]
        public async Task The_command_reaches_the_transport_wrapped_with_its_timeout_and_output_limit()
        {
            var ssh = new MemorySsh();
            await Run(ssh, new[] { Vm(1) }, new FleetCommandOptions("df -h /var") { Timeout = TimeSpan.FromSeconds(7), MaxOutputBytes = 4096 });
            var sent = Assert.Single(ssh.Commands);
            Assert.Equal(TimeSpan.FromSeconds(7), sent.Timeout);
            Assert.Equal(4096, sent.MaxOutputBytes);
            Assert.Null(sent.WriteStdin);
            Assert.Contains("timeout -k 3 9 ", sent.Text);
            Assert.Contains("-c 'df -h /var'", sent.Text);
        }

        [Fact]
        public async Task Failing_VMs_become_typed_failures_while_the_others_return_results()
        {
            var ssh = new MemorySsh
            {
                Fail = vm => vm switch
                {
                    "r-2-VM" => new SshException(SshErrorKind.HostKeyVerificationFailed, "r-2-VM: host key verification failed"),
                    "r-3-VM" => new SshException(SshErrorKind.JumpHostFailed, "r-3-VM: jump host failed"),
                    "r-4-VM" => new SshException(SshErrorKind.CommandTimedOut, "r-4-VM: the command did not finish within 5 s and was stopped."),
                    "r-5-VM" => new SshException(SshErrorKind.AuthenticationFailed, "r-5-VM: authentication refused"),
                    _ => null,
                },
            };
            var vms = new[] { Vm(1), Vm(2), Vm(3), Vm(4), Vm(5), Vm(6, "Stopped"), Vm(7) with { LinkLocalIp = null } };
            var run = await Run(ssh, vms, new FleetCommandOptions("hostname"));

            Assert.Equal(new[] { "r-1-VM" }, run.Results.Select(r => r.VmName));
            var ids = run.Failures.ToDictionary(f => f.Vm.Name, f => f.ErrorId);
            Assert.Equal("VmHostKeyRefused", ids["r-2-VM"]);
            Assert.Equal("VmUnreachable", ids["r-3-VM"]);
            Assert.Equal("VmCommandTimedOut", ids["r-4-VM"]);
            Assert.Equal("VmAuthenticationFailed", ids["r-5-VM"]);
            Assert.Equal("VmNotRunning", ids["r-6-VM"]);
            Assert.Equal("VmRouteUnknown", ids["r-7-VM"]);
            Assert.Equal(new FleetCommandSummary("run-1", 7, 1, 6), run.Summary);
            // The stopped VM and the one without an address were never connected to.
            Assert.DoesNotContain("r-6-VM", ssh.Opened);
            Assert.DoesNotContain("r-7-VM", ssh.Opened);
        }

        [Fact]
        public async Task Every_VM_is_one_history_record_with_the_command_and_exit_code_and_never_the_output()
        {
            var ssh = new MemorySsh
            {
                Answer = vm => new SshCommandResult(vm == "r-1-VM" ? 0 : 3, "secret-looking output " + vm, "err"),
                Fail = vm => vm == "r-3-VM" ? new SshException(SshErrorKind.CommandTimedOut, "r-3-VM: timed out") : null,
            };
            await Run(ssh, new[] { Vm(1), Vm(2), Vm(3), Vm(4, "Stopped") }, new FleetCommandOptions("systemctl is-active cloud\necho 'x'"));
            var records = _store.Read().ToDictionary(r => r.VmName);

            Assert.Equal(4, records.Count);
            Assert.All(records.Values, r => Assert.Equal(PatchOperation.Command, r.Operation));
            Assert.All(records.Values, r => Assert.Equal("run-1", r.RunId));
            Assert.All(records.Values, r => Assert.Equal("command: systemctl is-active cloud\\necho 'x'", r.Steps[0]));
            Assert.Equal("Completed", records["r-1-VM"].Status);
            Assert.Contains("exit code 0", records["r-1-VM"].Steps);
            Assert.Equal("NonZeroExit", records["r-2-VM"].Status);
            Assert.Equal("exit 3", records["r-2-VM"].FailedStep);
            Assert.Equal("TimedOut", records["r-3-VM"].Status);
            Assert.Equal("Failed", records["r-4-VM"].Status);
            Assert.Contains("not Running", records["r-4-VM"].Error);
            Assert.All(records.Values, r => Assert.DoesNotContain("secret-looking", PatchHistoryJson.ToLine(r)));
        }

        [Fact]
        public async Task Cancelling_stops_the_VMs_in_flight_starts_no_more_and_records_the_stopped_ones()
        {
            using var cancel = new CancellationTokenSource();
            var ssh = new MemorySsh { Delay = TimeSpan.FromSeconds(30) };
            ssh.Started += _ => cancel.Cancel();
            var run = await Run(ssh, Enumerable.Range(1, 6).Select(n => Vm(n)).ToList(), new FleetCommandOptions("sleep 30") { ThrottleLimit = 2 }, cancel.Token);

            Assert.Empty(run.Results);
            Assert.Empty(run.Failures);
            Assert.True(ssh.Commands.Count <= 2, $"{ssh.Commands.Count} commands started after the cancel");
            var records = _store.Read().ToList();
            Assert.Equal(ssh.Commands.Count, records.Count);
            Assert.All(records, r => Assert.Equal("Stopped", r.Status));
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("echo a\0b")]
        public void A_command_no_shell_can_run_is_refused_before_anything_starts(string command)
        {
            var ex = Assert.Throws<ArgumentException>(() => new FleetCommandOptions(command));
            Assert.Contains("command", ex.Message);
        }

        /// <summary>
        /// The scripted transport with commands that take <see cref="Delay"/>, may fail per VM, and are counted: how
        /// many ran, and the most at once.
        /// </summary>
        private sealed class MemorySsh
        {
            private int _running;
            private int _most;
            public MemorySsh() { Client = new ScriptedSsh { AnswerAsync = RunAsync }; }
            public ScriptedSsh Client { get; }
            public TimeSpan Delay { get; init; } = TimeSpan.Zero;
            public Func<string, SshCommandResult> Answer { get; init; } = vm => new SshCommandResult(0, vm + "\n", "");
            public Func<string, Exception?> Fail { get; init; } = _ => null;
            public event Action<string>? Started;
            public ConcurrentQueue<SshCommand> Commands { get; } = new();
            public ConcurrentQueue<string> Opened => Client.Opened;
            public int MostAtOnce => Volatile.Read(ref _most);

            private async Task<SshCommandResult> RunAsync(string vm, SshCommand command, CancellationToken cancellationToken)
            {
                Commands.Enqueue(command);
                int now = Interlocked.Increment(ref _running);
                for (int seen = Volatile.Read(ref _most); now > seen; seen = Volatile.Read(ref _most))
                    if (Interlocked.CompareExchange(ref _most, now, seen) == seen) break;
                try
                {
                    Started?.Invoke(vm);
                    await Task.Delay(Delay, cancellationToken);
                    if (Fail(vm) is Exception e) throw e;
                    return Answer(vm);
                }
                finally { Interlocked.Decrement(ref _running); }
            }
        }
    }
}
