using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>
    /// Runs one shell command on many VMs through their routes, a bounded number at once, each within its timeout
    /// and output limit. Every VM ends as a result (the command ran, whatever its exit code) or a typed failure, and
    /// either way as one history record; one VM's failure never stops the others.
    /// </summary>
    public sealed class FleetCommandRunner
    {
        private readonly ISshClient _client;
        private readonly SshRouteOptions _route;
        private readonly HistoryRecorder _history;

        public FleetCommandRunner(ISshClient client, SshRouteOptions route, HistoryRecorder history)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _route = route ?? throw new ArgumentNullException(nameof(route));
            _history = history ?? throw new ArgumentNullException(nameof(history));
        }

        /// <summary>A line for the operator's verbose stream (called from worker threads).</summary>
        public Action<string>? Verbose { get; init; }

        /// <summary>
        /// Runs the command on every VM. <paramref name="onResult"/> and <paramref name="onFailure"/> are called from
        /// worker threads as each VM ends. Cancelling stops the commands in flight (recorded as stopped) and starts no more.
        /// </summary>
        public async Task<FleetCommandSummary> RunAsync(IReadOnlyList<SystemVm> vms, FleetCommandOptions options, string runId,
            Action<VmCommandResult> onResult, Action<VmAccessException> onFailure, CancellationToken cancellationToken)
        {
            if (vms == null) throw new ArgumentNullException(nameof(vms));
            if (options == null) throw new ArgumentNullException(nameof(options));
            options.Check();
            using var slots = new SemaphoreSlim(options.ThrottleLimit, options.ThrottleLimit);
            int completed = 0, failed = 0;
            var runs = vms.Select(async vm =>
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var (result, failure) = await RunOneAsync(vm, options, runId, cancellationToken).ConfigureAwait(false);
                    if (result != null) { Interlocked.Increment(ref completed); onResult(result); }
                    else if (failure != null) { Interlocked.Increment(ref failed); onFailure(failure); }
                }
                finally { slots.Release(); }
            }).ToList();
            try { await Task.WhenAll(runs).ConfigureAwait(false); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
            return new FleetCommandSummary(runId, vms.Count, completed, failed);
        }

        private async Task<(VmCommandResult?, VmAccessException?)> RunOneAsync(SystemVm vm, FleetCommandOptions options, string runId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            if (!string.Equals(vm.State, "Running", StringComparison.OrdinalIgnoreCase))
                return (null, Failed(vm, options, runId, VmAccessException.NotRunning(vm), watch.Elapsed));
            var command = new SshCommand(RemoteCommandText.For(options.Command, options.Timeout))
            {
                Timeout = options.Timeout,
                MaxOutputBytes = options.MaxOutputBytes,
            };
            Verbose?.Invoke($"{vm.Name}: running the command");
            try
            {
                var ran = await _client.RunOnVmAsync(vm, _route, command, cancellationToken).ConfigureAwait(false);
                var result = VmCommandResult.For(vm, options.Command, runId) with
                {
                    ExitCode = ran.ExitCode, Stdout = ran.Stdout, Stderr = ran.Stderr,
                    StdoutTruncated = ran.StdoutTruncated, StderrTruncated = ran.StderrTruncated, Duration = watch.Elapsed,
                };
                _history.Record(result.ToHistory());
                Verbose?.Invoke($"{vm.Name}: exit code {ran.ExitCode} after {watch.Elapsed.TotalSeconds:0.0} s");
                return (result, null);
            }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                return (null, Failed(vm, options, runId, VmAccessException.From(vm, e), watch.Elapsed));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped by the operator: the command may have run part way; the history says so, no error is written.
                _history.Record(VmCommandResult.FailureHistory(vm, options.Command, runId, "Stopped", "stopped by the user; the command may have run in part", watch.Elapsed));
                throw;
            }
        }

        private VmAccessException Failed(SystemVm vm, FleetCommandOptions options, string runId, VmAccessException failure, TimeSpan duration)
        {
            _history.Record(VmCommandResult.FailureHistory(vm, options.Command, runId, failure.HistoryStatus, failure.Message, duration));
            return failure;
        }
    }

    /// <summary>How a fleet command ended: VMs given, VMs it ran on (any exit code), VMs it could not run on.</summary>
    public sealed record FleetCommandSummary(string RunId, int Total, int Completed, int Failed);
}
