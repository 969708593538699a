using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.LivePatch.Upload;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The controller's side of one VM's patch, in two halves. PrepareAsync connects, with the preflight riding on
    /// the connection's opening, and decides what the preflight allows; it changes nothing, so the rollout may run
    /// it ahead of the VM's batch. ApplyAsync runs the pre-checks, then one command that uploads and verifies the
    /// payload, starts the on-VM agent and waits for its outcome. Everything that changes the VM happens in the agent (OnVm/agent.sh,
    /// rollback in Rollback/rollback.sh), so the VM ends consistent whatever happens to this process.
    /// </summary>
    internal sealed class VmPatcher
    {
        private readonly ISshClient _ssh;
        private readonly LivePatchOptions _options;
        private readonly string _runId;
        private readonly Action<LivePatchEvent> _onEvent;

        public VmPatcher(ISshClient ssh, LivePatchOptions options, string runId, Action<LivePatchEvent> onEvent)
        {
            _ssh = ssh;
            _options = options;
            _runId = runId;
            _onEvent = onEvent;
        }

        internal sealed class Record
        {
            public readonly List<string> Steps = new List<string>();
            public readonly List<string> Warnings = new List<string>();
            public string? FromVersion, FromSignature, ToSignature, PreviousRun;
        }

        /// <summary>
        /// One VM's patch between its two halves: connected and read (preflight), or already decided (refused,
        /// already current, failed to connect). Nothing on the VM has changed yet. The next batch's VMs are
        /// prepared ahead of their turn (RollingExecutor.PrepareAhead); a VM that then does not run is closed.
        /// </summary>
        internal sealed class PreparedVm
        {
            private readonly VmPatcher _owner;
            // Runs while the controller works on this VM, not while a prepared VM waits for its batch.
            private readonly Stopwatch _clock = new Stopwatch();
            public readonly Record Rec;

            public PreparedVm(VmPatcher owner, SystemVm vm)
            {
                _owner = owner;
                Vm = vm;
                Rec = new Record { FromVersion = CloudStackVersion.ParseOrNull(vm.TemplateVersion)?.ToString(), FromSignature = vm.ScriptsSignature };
            }

            public SystemVm Vm { get; }
            public int Batch { get; set; }
            public ISshSession? Session { get; set; }
            public PreflightReport? Preflight { get; set; }
            /// <summary>Set when preparing already decided the outcome: no change will be attempted.</summary>
            public (LivePatchStatus Status, string? Step, string? Error)? Verdict { get; set; }

            public void Resume() => _clock.Start();
            public void Pause() => _clock.Stop();

            public void Step(string text)
            {
                Rec.Steps.Add(text);
                _owner._onEvent(new LivePatchEvent(LivePatchEventKind.Step) { VmName = Vm.Name, Message = text });
            }

            public LivePatchResult End(LivePatchStatus status, string? step = null, string? error = null) => new LivePatchResult
            {
                VmId = Vm.Id, VmName = Vm.Name, VmType = Vm.Type, Zone = Vm.ZoneName, Server = Vm.Server, RunId = _owner._runId,
                FromVersion = Rec.FromVersion, ToVersion = _owner._options.Bundle.Version,
                FromSignature = Rec.FromSignature, ToSignature = Rec.ToSignature ?? Rec.FromSignature,
                Status = status, FailedStep = step, Error = error, Duration = _clock.Elapsed,
                Steps = Rec.Steps.ToArray(), Batch = Batch, PreviousRun = Rec.PreviousRun, Warnings = Rec.Warnings.ToArray(),
            };

            public async Task CloseAsync()
            {
                var session = Session;
                Session = null;
                if (session != null) await session.CloseAsync().ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The first half, which changes nothing: connect with the preflight riding on the connection's opening,
        /// then every decision the preflight allows (lock, boot, support, already current, disk).
        /// </summary>
        public async Task<PreparedVm> PrepareAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            var run = new PreparedVm(this, vm);
            run.Resume();
            try
            {
                if (cancellationToken.IsCancellationRequested) { run.Verdict = (LivePatchStatus.Skipped, "Cancelled", "cancelled before it started; nothing changed"); return run; }

                SshRoute route;
                try { route = SshRouteBuilder.Build(vm, _options.Ssh); }
                catch (SshRouteException ex) { run.Verdict = (LivePatchStatus.Failed, "Connect", ex.Message); return run; }
                try
                {
                    run.Step($"connect {route}");
                    // The preflight rides on the connection's opening: no extra round trip before anything is decided.
                    run.Session = await _ssh.OpenAsync(vm.Name, route, RemoteCommands.Preflight(), cancellationToken).ConfigureAwait(false);
                }
                catch (SshException ex) { run.Verdict = (LivePatchStatus.Failed, "Connect", ex.Message); return run; }
                catch (OperationCanceledException) { run.Verdict = (LivePatchStatus.Skipped, "Cancelled", "cancelled while connecting; nothing changed"); return run; }

                run.Preflight = PreflightReport.Parse(run.Session.OpeningOutput ?? "");
                run.Verdict = Decide(run, run.Preflight);
                if (run.Verdict != null) await run.CloseAsync().ConfigureAwait(false);
                return run;
            }
            finally { run.Pause(); }
        }

        // What the preflight alone decides; null: go on and patch.
        private (LivePatchStatus, string?, string?)? Decide(PreparedVm run, PreflightReport pre)
        {
            var bundle = _options.Bundle;
            var rec = run.Rec;
            rec.FromVersion = pre.Release?.ToString() ?? rec.FromVersion;
            rec.FromSignature = pre.Signature ?? rec.FromSignature;
            rec.ToSignature = rec.FromSignature;
            ReportPreviousRun(pre, rec, run.Step);

            if (pre.LockOwner != null && pre.LockAlive)
                return (LivePatchStatus.Failed, "Lock", $"another live patch is running on this VM ({pre.LockOwner.Trim()}); refused");
            // Before "already current" and whatever -Force says: a VM a rollback could not restore is in no known state.
            if (pre.Attention != null) return (LivePatchStatus.Failed, "Attention", pre.Attention.Refusal());
            if (!pre.BootFinished)
                return (LivePatchStatus.Failed, "Preflight", "the VM has not finished booting (/var/cache/cloud/boot_up_done is missing)");
            var support = LivePatchSupport.For(pre.Release);
            if (support.Supported == false)
                return (LivePatchStatus.Skipped, "Recreate", "Recreate: " + support.Reason);
            // 4.14: supported with a caveat the operator must hear about.
            if (pre.Release is { Major: 4, Minor: 14 }) rec.Warnings.Add(support.Reason);
            // An interrupted run may have written the new signature without restarting or validating anything:
            // the signature proves nothing then, and the agent restores that run's backup before patching.
            bool interrupted = pre.InterruptedRun != null;
            if (interrupted)
            {
                rec.Warnings.Add($"run {pre.InterruptedRun} was interrupted mid-patch on this VM; its backup is restored before patching");
                run.Step($"preflight: run {pre.InterruptedRun} was interrupted; the agent restores its backup first");
            }
            if (!_options.Force && !interrupted && string.Equals(pre.Signature, bundle.Signature, StringComparison.OrdinalIgnoreCase))
            {
                run.Step("preflight: already at " + bundle.Signature);
                return (LivePatchStatus.AlreadyCurrent, null, null);
            }
            if (string.IsNullOrEmpty(pre.CmdlineType))
                return (LivePatchStatus.Failed, "Preflight", "cannot tell the VM's type (no type= in /var/cache/cloud/cmdline)");

            bool agentVm = pre.IsAgentVm;
            long stageBytes = bundle.ScriptsBytes + (agentVm ? bundle.AgentZipBytes : 0) + 64 * 1024;
            long needBytes = stageBytes + bundle.ScriptsUnpackedBytes + (agentVm ? bundle.AgentZipUnpackedBytes + pre.SystemVmKb * 1024 : 0) + 1024 * 1024;
            if (pre.FreeKb is long freeKb && freeKb * 1024 < needBytes)
                return (LivePatchStatus.Failed, "Preflight",
                    $"not enough free disk on /var/cache/cloud: the payload and the backup need {Mib(needBytes)} MiB, {Mib(freeKb * 1024)} MiB free; nothing was uploaded");
            run.Step($"preflight ok: {pre.ReleaseLine ?? "release unknown"}, signature {pre.Signature ?? "none"}, type {pre.CmdlineType}, {Mib((pre.FreeKb ?? 0) * 1024)} MiB free");
            return null;
        }

        /// <summary>The second half, in the VM's batch: pre-checks, then upload, verify, start the agent and wait.</summary>
        public async Task<LivePatchResult> ApplyAsync(PreparedVm run, int batch, CancellationToken cancellationToken)
        {
            run.Batch = batch;
            run.Resume();
            if (run.Verdict is var (status, step, error)) return run.End(status, step, error);
            try
            {
                return await ApplyOverSessionAsync(run, run.Session!, run.Preflight!, cancellationToken).ConfigureAwait(false);
            }
            catch (SshException ex) { return run.End(LivePatchStatus.Failed, "Connect", ex.Message); }
            finally { await run.CloseAsync().ConfigureAwait(false); }
        }

        private async Task<LivePatchResult> ApplyOverSessionAsync(PreparedVm run, ISshSession session, PreflightReport pre, CancellationToken cancellationToken)
        {
            // --- pre-checks: the operator's own, run right before the change -------------------------------------
            if (_options.PreChecks.Count > 0)
            {
                try
                {
                    var r = await session.RunAsync(new SshCommand(RemoteCommands.PreChecks(_options.PreChecks)) { Timeout = TimeSpan.FromMinutes(5) }, cancellationToken).ConfigureAwait(false);
                    if (r.ExitCode != 0)
                    {
                        string which = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("PRECHECK-FAILED", StringComparison.Ordinal)) ?? "";
                        int.TryParse(which.Replace("PRECHECK-FAILED", "").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx);
                        string cmd = idx >= 0 && idx < _options.PreChecks.Count ? _options.PreChecks[idx] : "?";
                        return run.End(LivePatchStatus.Failed, "PreCheck", $"pre-check failed: {cmd}: {Tail(r.Stdout)}");
                    }
                    run.Step($"pre-checks ok ({_options.PreChecks.Count})");
                }
                catch (OperationCanceledException) { return run.End(LivePatchStatus.Skipped, "Cancelled", "cancelled at pre-checks; nothing changed"); }
            }
            if (cancellationToken.IsCancellationRequested) return run.End(LivePatchStatus.Skipped, "Cancelled", "cancelled before upload; nothing changed");

            // --- upload, verify, start the agent and wait: one command; from the agent's start the VM finishes on its own
            var files = StagedFiles(_options.Bundle, pre.IsAgentVm, pre.CmdlineType!);
            return await UploadAndRunAgentAsync(session, files, run.Rec, run.Step, run.End, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Streams the payload into the one command that verifies it, starts the agent and waits for its outcome
        /// (OnVm/RemoteCommands.UploadStartAndWait), so no round trip separates upload from start. Cancellation
        /// and UploadTimeout stop the stream before its last member, checksums.md5, and without it the VM starts
        /// nothing. Once that member is on its way the agent may start, so from then on the run no longer stops
        /// for Ctrl+C and a lost connection means: reconnect and ask the VM what happened.
        /// </summary>
        private async Task<LivePatchResult> UploadAndRunAgentAsync(ISshSession session, IReadOnlyList<StagedFile> files, Record rec, Action<string> Step,
            Func<LivePatchStatus, string?, string?, LivePatchResult> End, CancellationToken cancellationToken)
        {
            using var uploadStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            uploadStop.CancelAfter(_options.UploadTimeout);
            // From the commit point the agent may run; it bounds its own steps, so the wait is bounded from there too.
            var waitLimit = AgentLimits.ControllerWait(_options.AgentTimeout);
            using var waitStop = new CancellationTokenSource();
            var upload = Stopwatch.StartNew();
            Stopwatch? sinceCommit = null;
            bool started = false;

            async Task WritePayloadAsync(Stream stream, CancellationToken processEnded)
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(uploadStop.Token, processEnded);
                foreach (var f in files.Take(files.Count - 1)) await WriteStagedFileAsync(stream, f, stop.Token).ConfigureAwait(false);
                stop.Token.ThrowIfCancellationRequested();
                // The commit point: from here on the VM may have everything it needs to start the agent.
                Volatile.Write(ref sinceCommit, Stopwatch.StartNew());
                waitStop.CancelAfter(waitLimit);
                await WriteStagedFileAsync(stream, files[files.Count - 1], processEnded).ConfigureAwait(false);
                await TarStreamWriter.WriteEndAsync(stream, processEnded).ConfigureAwait(false);
                await stream.FlushAsync(processEnded).ConfigureAwait(false);
            }
            LivePatchResult UploadStopped(string? detail)
            {
                if (cancellationToken.IsCancellationRequested) return End(LivePatchStatus.Skipped, "Cancelled", "cancelled during upload; nothing on the VM changed");
                if (uploadStop.IsCancellationRequested)
                    return End(LivePatchStatus.Failed, "Upload", $"the upload did not finish within {_options.UploadTimeout.TotalSeconds:0} s (UploadTimeout); nothing on the VM changed");
                return End(LivePatchStatus.Failed, "Upload", $"upload failed: {detail}; nothing on the VM changed");
            }

            string command = RemoteCommands.UploadStartAndWait(_runId);
            Func<Stream, CancellationToken, Task>? writer = WritePayloadAsync;
            SshException? lastError = null;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                var left = sinceCommit == null ? _options.UploadTimeout + waitLimit : waitLimit - sinceCommit.Elapsed;
                if (left <= TimeSpan.Zero) break;
                SshCommandResult r;
                try
                {
                    r = await session.RunAsync(new SshCommand(command)
                    {
                        WriteStdin = writer,
                        Timeout = left,
                        OnStdoutLine = line =>
                        {
                            if (line.StartsWith("J ", StringComparison.Ordinal)) Step(JournalText(line.Substring(2)));
                            else if (line == "VERIFIED") Step($"upload ok: {files.Count} files, {Mib(files.Sum(f => f.Length))} MiB in {upload.Elapsed.TotalSeconds:0.0} s, checksums verified");
                            else if (line.StartsWith("STALE-LOCK", StringComparison.Ordinal)) rec.Warnings.Add("took over a stale lock: " + line.Substring(10).Trim());
                            else if (line == "STARTED") { started = true; Step("agent started detached"); }
                        },
                    }, waitStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (waitStop.IsCancellationRequested)
                {
                    return End(LivePatchStatus.Failed, "Wait",
                        $"no outcome within {waitLimit.TotalSeconds:0} s of the start (AgentTimeout {_options.AgentTimeout.TotalSeconds:0} s, rollback limit {AgentLimits.Rollback(_options.AgentTimeout).TotalSeconds:0} s); the agent stops itself at those limits and the next run reports its outcome");
                }
                catch (SshException ex)
                {
                    if (Volatile.Read(ref sinceCommit) == null)
                    {
                        await RemoveStageAsync(session).ConfigureAwait(false);
                        return End(LivePatchStatus.Failed, "Upload", $"{ex.Message}; the upload broke off and nothing on the VM changed");
                    }
                    // The agent does not depend on this connection; reconnect and keep waiting for its outcome.
                    lastError = ex;
                    Step($"connection lost while waiting ({ex.Kind}); waiting again");
                    command = RemoteCommands.Wait(_runId);
                    writer = null;
                    await Task.Delay(TimeSpan.FromSeconds(1 + attempt * 2)).ConfigureAwait(false);
                    continue;
                }

                string first = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("VERIFY-FAILED", StringComparison.Ordinal) || l.StartsWith("LOCKED", StringComparison.Ordinal)) ?? "";
                bool committed = Volatile.Read(ref sinceCommit) != null;
                switch (r.ExitCode)
                {
                    case 0: return FromOutcome(r.Stdout, rec, End);
                    case 13:
                        await RemoveStageAsync(session).ConfigureAwait(false);
                        return UploadStopped(Tail(r.Stderr + r.Stdout));
                    case 10 when !committed:
                        // The stream stopped before checksums.md5 (cancelled or timed out): the VM refused it, as designed.
                        return UploadStopped(first);
                    case 10: return End(LivePatchStatus.Failed, "Verify", "staged payload failed its checksum on the VM (" + first.Substring(Math.Min(first.Length, 14)).Trim() + "); not used, nothing changed");
                    case 11: return End(LivePatchStatus.Failed, "Lock", "another live patch holds this VM's lock (" + first.Substring(Math.Min(first.Length, 6)).Trim() + "); refused, nothing changed");
                    case 12:
                        return !(started || attempt > 0)
                            ? End(LivePatchStatus.Failed, "Start", "the agent did not start; nothing changed")
                            : End(LivePatchStatus.Failed, "Agent", "the agent ended without an outcome (VM rebooted or agent killed); the VM may be between versions until the next run restores its backup");
                    case 14:
                        await RemoveStageAsync(session).ConfigureAwait(false);
                        return End(LivePatchStatus.Failed, "Upload", $"the connection was lost before the agent started ({lastError?.Message}); nothing on the VM changed");
                    default: return End(LivePatchStatus.Failed, "Start", $"start failed with exit code {r.ExitCode}: {Tail(r.Stderr + r.Stdout)}");
                }
            }
            return End(LivePatchStatus.Failed, "Wait",
                $"lost the VM while its agent was running ({lastError?.Message}); the agent finishes on its own and the next run reports the outcome");
        }

        internal static LivePatchResult FromOutcome(string stdout, Record rec, Func<LivePatchStatus, string?, string?, LivePatchResult> End)
        {
            var outcome = AgentOutcome.Parse(stdout);
            rec.FromSignature = outcome.Get("from_sig") ?? rec.FromSignature;
            rec.ToSignature = outcome.Get("to_sig");
            if (outcome.DownBeforeWarning is string down) rec.Warnings.Add(down);
            if (outcome.UnknownStatus != null)
                return End(LivePatchStatus.Failed, outcome.Get("step") ?? "Outcome",
                    outcome.UnknownStatus.Length == 0 ? "no outcome" : $"the agent's outcome has an unknown status '{outcome.UnknownStatus}'; check the VM");
            return outcome.Status == LivePatchStatus.Patched
                ? End(LivePatchStatus.Patched, null, null)
                : End(outcome.Status, outcome.Get("step"), outcome.Get("error"));
        }

        private void ReportPreviousRun(PreflightReport pre, Record rec, Action<string> report)
        {
            if (pre.LastRun == null || pre.LastRun == _runId) return;
            if (pre.LastOutcome != null)
            {
                pre.LastOutcome.TryGetValue("status", out var status);
                pre.LastOutcome.TryGetValue("step", out var step);
                pre.LastOutcome.TryGetValue("error", out var error);
                rec.PreviousRun = $"run {pre.LastRun}: {status}" + (status == "Patched" ? "" : $" at {step}: {error}");
            }
            else if (!pre.LockAlive)
                rec.PreviousRun = $"run {pre.LastRun}: ended without an outcome (last journal line: {pre.LastJournal ?? "none"})";
            else
                rec.PreviousRun = $"run {pre.LastRun}: still running";
            report("previous " + rec.PreviousRun);
        }

        private sealed record StagedFile(string Name, string? Path, byte[]? Bytes, long Length, string Md5);

        private IReadOnlyList<StagedFile> StagedFiles(PatchBundle bundle, bool agentVm, string cmdlineType)
        {
            var list = new List<StagedFile>();
            if (agentVm) list.Add(new StagedFile(PatchBundle.AgentFileName, bundle.AgentZipPath, null, bundle.AgentZipBytes, bundle.AgentZipMd5));
            list.Add(new StagedFile(PatchBundle.ScriptsFileName, bundle.ScriptsPath, null, bundle.ScriptsBytes, bundle.Signature));
            byte[] agent = AgentScript.Bytes;
            list.Add(new StagedFile("agent.sh", null, agent, agent.Length, Md5(agent)));
            byte[] parameters = Encoding.UTF8.GetBytes(Params(bundle, cmdlineType));
            list.Add(new StagedFile("params", null, parameters, parameters.Length, Md5(parameters)));
            // The checksum list the VM verifies against: what this controller computed locally. It must stay the last
            // member: the upload's commit point (see UploadAndRunAgentAsync).
            var sums = new StringBuilder();
            foreach (var f in list) sums.Append(f.Md5).Append("  ").Append(f.Name).Append('\n');
            byte[] sumBytes = Encoding.ASCII.GetBytes(sums.ToString());
            list.Add(new StagedFile("checksums.md5", null, sumBytes, sumBytes.Length, Md5(sumBytes)));
            return list;
        }

        private string Params(PatchBundle bundle, string cmdlineType)
        {
            var checks = string.Join("\n", _options.PostChecks.Select(c => Convert.ToBase64String(Encoding.UTF8.GetBytes(c))));
            return $"EXPECTED_SIG={RemoteCommands.Quote(bundle.Signature)}\nVM_TYPE={RemoteCommands.Quote(cmdlineType)}\nPOSTCHECKS_B64={RemoteCommands.Quote(checks)}\n"
                + AgentLimits.Params(_options.AgentTimeout);
        }

        private static Task WriteStagedFileAsync(Stream stream, StagedFile f, CancellationToken ct)
        {
            if (f.Bytes != null) return TarStreamWriter.WriteBytesAsync(stream, f.Name, f.Bytes, ct);
            return WriteFromDiskAsync();
            async Task WriteFromDiskAsync()
            {
                using var content = File.OpenRead(f.Path!);
                await TarStreamWriter.WriteFileAsync(stream, f.Name, content, f.Length, ct).ConfigureAwait(false);
            }
        }

        // Best effort: after a broken upload the connection may be gone; the next run clears stale stages too.
        private async Task RemoveStageAsync(ISshSession session)
        {
            try { await session.RunAsync(new SshCommand(RemoteCommands.RemoveRun(_runId)) { Timeout = TimeSpan.FromSeconds(20) }, CancellationToken.None).ConfigureAwait(false); }
            catch (SshException) { }
        }

        private static string JournalText(string line)
        {
            // "<epoch> <step> <status...>"
            int sp = line.IndexOf(' ');
            return sp > 0 ? line.Substring(sp + 1) : line;
        }

        private static string Md5(byte[] bytes)
        {
            using var md5 = System.Security.Cryptography.MD5.Create();
            return PatchBundle.Hex(md5.ComputeHash(bytes));
        }

        private static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture);

        private static string Tail(string text)
        {
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            return string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 3)));
        }
    }
}
