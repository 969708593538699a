using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch.Upload
{
    /// <summary>
    /// Streams the payload into the one command that verifies it, starts the agent and waits for its outcome
    /// (OnVm/RemoteCommands.UploadStartAndWait), so no round trip separates upload from start. Cancellation
    /// and UploadTimeout stop the stream before its last member, checksums.md5, and without it the VM starts
    /// nothing. Once that member is on its way the agent may start, so from then on the run no longer stops
    /// for Ctrl+C and a lost connection means: reconnect and ask the VM what happened.
    /// </summary>
    internal sealed class AgentRun
    {
        private readonly ISshSession _session;
        private readonly IReadOnlyList<StagedFile> _files;
        private readonly LivePatchOptions _options;
        private readonly string _runId;
        private readonly VmPatchRecord _rec;
        private Stopwatch? _sinceCommit;
        private bool _started;

        public AgentRun(ISshSession session, IReadOnlyList<StagedFile> files, LivePatchOptions options, string runId, VmPatchRecord rec)
        {
            _session = session;
            _files = files;
            _options = options;
            _runId = runId;
            _rec = rec;
        }

        private bool Committed => Volatile.Read(ref _sinceCommit) != null;

        public async Task<LivePatchResult> RunAsync(CancellationToken cancellationToken)
        {
            using var uploadStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            uploadStop.CancelAfter(_options.UploadTimeout);
            // From the commit point the agent may run; it bounds its own steps, so the wait is bounded from there too.
            var waitLimit = AgentLimits.ControllerWait(_options.AgentTimeout);
            using var waitStop = new CancellationTokenSource();
            var upload = Stopwatch.StartNew();

            async Task WritePayloadAsync(Stream stream, CancellationToken processEnded)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(uploadStop.Token, processEnded);
                foreach (var f in _files.Take(_files.Count - 1)) await f.WriteAsync(stream, stop.Token).ConfigureAwait(false);
                stop.Token.ThrowIfCancellationRequested();
                // The commit point: from here on the VM may have everything it needs to start the agent.
                Volatile.Write(ref _sinceCommit, Stopwatch.StartNew());
                waitStop.CancelAfter(waitLimit);
                await _files[_files.Count - 1].WriteAsync(stream, processEnded).ConfigureAwait(false);
                await TarStreamWriter.WriteEndAsync(stream, processEnded).ConfigureAwait(false);
                await stream.FlushAsync(processEnded).ConfigureAwait(false);
            }
            LivePatchResult UploadStopped(string? detail)
            {
                if (cancellationToken.IsCancellationRequested) return End(LivePatchStatus.Skipped, PatchStep.Cancelled, "cancelled during upload; nothing on the VM changed");
                if (uploadStop.IsCancellationRequested)
                    return End(LivePatchStatus.Failed, PatchStep.Upload, $"the upload did not finish within {_options.UploadTimeout.TotalSeconds:0} s (UploadTimeout); nothing on the VM changed");
                return End(LivePatchStatus.Failed, PatchStep.Upload, $"upload failed: {detail}; nothing on the VM changed");
            }
            void OnLine(string line)
            {
                if (AgentProtocol.Detail(line, AgentProtocol.Journal) is string journal) _rec.Step(AgentOutcome.JournalText(journal));
                else if (AgentProtocol.Is(line, AgentProtocol.Verified))
                    _rec.Step($"upload ok: {_files.Count} files, {PreflightDecision.Mib(Payload.TotalBytes(_files))} MiB in {upload.Elapsed.TotalSeconds:0.0} s, checksums verified");
                else if (AgentProtocol.Detail(line, AgentProtocol.StaleLock) is string owner) _rec.Warn("took over a stale lock: " + owner);
                else if (AgentProtocol.Is(line, AgentProtocol.Started)) { _started = true; _rec.Step("agent started detached"); }
            }

            string command = RemoteCommands.UploadStartAndWait(_runId);
            Func<Stream, CancellationToken, Task>? writer = WritePayloadAsync;
            SshException? lastError = null;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                var left = _sinceCommit == null ? _options.UploadTimeout + waitLimit : waitLimit - _sinceCommit.Elapsed;
                if (left <= TimeSpan.Zero) break;
                SshCommandResult r;
                try
                {
                    r = await _session.RunAsync(new SshCommand(command) { WriteStdin = writer, Timeout = left, OnStdoutLine = OnLine }, waitStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (waitStop.IsCancellationRequested)
                {
                    return End(LivePatchStatus.Failed, PatchStep.Wait,
                        $"no outcome within {waitLimit.TotalSeconds:0} s of the start (agent timeout {_options.AgentTimeout.TotalSeconds:0} s, rollback limit {AgentLimits.Rollback(_options.AgentTimeout).TotalSeconds:0} s); the agent stops itself at those limits and the next run reports its outcome");
                }
                catch (SshException ex)
                {
                    if (!Committed)
                    {
                        await RemoveStageAsync().ConfigureAwait(false);
                        return End(LivePatchStatus.Failed, PatchStep.Upload, $"{ex.Message}; the upload broke off and nothing on the VM changed");
                    }
                    // The agent does not depend on this connection; reconnect and keep waiting for its outcome.
                    lastError = ex;
                    _rec.Step($"connection lost while waiting ({ex.Kind}); waiting again");
                    command = RemoteCommands.Wait(_runId);
                    writer = null;
                    await Task.Delay(TimeSpan.FromSeconds(1 + attempt * 2)).ConfigureAwait(false);
                    continue;
                }

                string stdout = r.Stdout;
                switch ((RemoteExit)r.ExitCode)
                {
                    case RemoteExit.Outcome:
                        var outcome = AgentOutcome.Parse(stdout);
                        _rec.Learn(fromSignature: outcome.FromSignature, toSignature: outcome.ToSignature);
                        if (outcome.DownBeforeWarning is string down) _rec.Warn(down);
                        return _rec.End(outcome.Status, outcome.Step, outcome.Error);
                    case RemoteExit.UploadBroken:
                        await RemoveStageAsync().ConfigureAwait(false);
                        return UploadStopped(Tail(r.Stderr + stdout));
                    case RemoteExit.VerifyFailed when !Committed:
                        // The stream stopped before checksums.md5 (cancelled or timed out): the VM refused it, as designed.
                        return UploadStopped(AgentProtocol.FirstDetail(stdout, AgentProtocol.VerifyFailed) is string d ? AgentProtocol.VerifyFailed + " " + d : "");
                    case RemoteExit.VerifyFailed:
                        return End(LivePatchStatus.Failed, PatchStep.Verify, $"staged payload failed its checksum on the VM ({AgentProtocol.FirstDetail(stdout, AgentProtocol.VerifyFailed)}); not used, nothing changed");
                    case RemoteExit.Locked:
                        return End(LivePatchStatus.Failed, PatchStep.Lock, $"another live patch holds this VM's lock ({AgentProtocol.FirstDetail(stdout, AgentProtocol.Locked)}); refused, nothing changed");
                    case RemoteExit.AgentGone:
                        return !(_started || attempt > 0)
                            ? End(LivePatchStatus.Failed, PatchStep.Start, "the agent did not start; nothing changed")
                            : End(LivePatchStatus.Failed, PatchStep.Agent, "the agent ended without an outcome (VM rebooted or agent killed); the VM may be between versions until the next run restores its backup");
                    case RemoteExit.NotStarted:
                        await RemoveStageAsync().ConfigureAwait(false);
                        return End(LivePatchStatus.Failed, PatchStep.Upload, $"the connection was lost before the agent started ({lastError?.Message}); nothing on the VM changed");
                    default: return End(LivePatchStatus.Failed, PatchStep.Start, $"start failed with exit code {r.ExitCode}: {Tail(r.Stderr + stdout)}");
                }
            }
            return End(LivePatchStatus.Failed, PatchStep.Wait,
                $"lost the VM while its agent was running ({lastError?.Message}); the agent finishes on its own and the next run reports the outcome");
        }

        private LivePatchResult End(LivePatchStatus status, PatchStep step, string error) => _rec.End(new PatchVerdict(status, step, error));

        // Best effort: after a broken upload the connection may be gone; the next run clears stale stages too.
        private async Task RemoveStageAsync()
        {
            try { await _session.RunAsync(new SshCommand(RemoteCommands.RemoveRun(_runId)) { Timeout = TimeSpan.FromSeconds(20) }, CancellationToken.None).ConfigureAwait(false); }
            catch (SshException) { }
        }

        internal static string Tail(string text)
        {
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            return string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 3)));
        }
    }
}
