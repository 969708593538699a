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
    /// The controller's side of one VM's patch: connect, preflight, pre-checks, upload and verify, then start the
    /// on-VM agent and wait for its outcome. Everything that changes the VM happens in the agent (OnVm/agent.sh,
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

        private sealed class Record
        {
            public readonly List<string> Steps = new List<string>();
            public readonly List<string> Warnings = new List<string>();
            public string? FromVersion, FromSignature, ToSignature, PreviousRun;
        }

        public async Task<LivePatchResult> PatchAsync(SystemVm vm, int batch, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var rec = new Record { FromVersion = CloudStackVersion.ParseOrNull(vm.TemplateVersion)?.ToString(), FromSignature = vm.ScriptsSignature };

            void Step(string text)
            {
                rec.Steps.Add(text);
                _onEvent(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm.Name, Message = text });
            }
            LivePatchResult End(LivePatchStatus status, string? step = null, string? error = null) => new LivePatchResult
            {
                VmId = vm.Id, VmName = vm.Name, VmType = vm.Type, Zone = vm.ZoneName, Server = vm.Server, RunId = _runId,
                FromVersion = rec.FromVersion, ToVersion = _options.Bundle.Version,
                FromSignature = rec.FromSignature, ToSignature = rec.ToSignature ?? rec.FromSignature,
                Status = status, FailedStep = step, Error = error, Duration = clock.Elapsed,
                Steps = rec.Steps.ToArray(), Batch = batch, PreviousRun = rec.PreviousRun, Warnings = rec.Warnings.ToArray(),
            };

            if (cancellationToken.IsCancellationRequested) return End(LivePatchStatus.Skipped, "Cancelled", "cancelled before it started; nothing changed");

            SshRoute route;
            try { route = SshRouteBuilder.Build(vm, _options.Ssh); }
            catch (SshRouteException ex) { return End(LivePatchStatus.Failed, "Connect", ex.Message); }

            ISshSession session;
            try
            {
                Step($"connect {route}");
                // The preflight rides on the connection's opening: no extra round trip before anything is decided.
                session = await _ssh.OpenAsync(vm.Name, route, RemoteCommands.Preflight(), cancellationToken).ConfigureAwait(false);
            }
            catch (SshException ex) { return End(LivePatchStatus.Failed, "Connect", ex.Message); }
            catch (OperationCanceledException) { return End(LivePatchStatus.Skipped, "Cancelled", "cancelled while connecting; nothing changed"); }

            using (session)
            {
                try
                {
                    return await PatchOverSessionAsync(vm, session, rec, Step, End, cancellationToken).ConfigureAwait(false);
                }
                catch (SshException ex) { return End(LivePatchStatus.Failed, "Connect", ex.Message); }
            }
        }

        private async Task<LivePatchResult> PatchOverSessionAsync(SystemVm vm, ISshSession session, Record rec, Action<string> Step,
            Func<LivePatchStatus, string?, string?, LivePatchResult> End, CancellationToken cancellationToken)
        {
            var bundle = _options.Bundle;

            // --- preflight: one command, changes nothing --------------------------------------------------------
            var pre = PreflightReport.Parse(session.OpeningOutput ?? "");

            rec.FromVersion = pre.Release?.ToString() ?? rec.FromVersion;
            rec.FromSignature = pre.Signature ?? rec.FromSignature;
            rec.ToSignature = rec.FromSignature;
            ReportPreviousRun(pre, rec, Step);

            if (pre.LockOwner != null && pre.LockAlive)
                return End(LivePatchStatus.Failed, "Lock", $"another live patch is running on this VM ({pre.LockOwner.Trim()}); refused");
            if (!pre.BootFinished)
                return End(LivePatchStatus.Failed, "Preflight", "the VM has not finished booting (/var/cache/cloud/boot_up_done is missing)");
            var support = LivePatchSupport.For(pre.Release);
            if (support.Supported == false)
                return End(LivePatchStatus.Skipped, "Recreate", "Recreate: " + support.Reason);
            // 4.14: supported with a caveat the operator must hear about.
            if (pre.Release is { Major: 4, Minor: 14 }) rec.Warnings.Add(support.Reason);
            // An interrupted run may have written the new signature without restarting or validating anything:
            // the signature proves nothing then, and the agent restores that run's backup before patching.
            bool interrupted = pre.InterruptedRun != null;
            if (interrupted)
            {
                rec.Warnings.Add($"run {pre.InterruptedRun} was interrupted mid-patch on this VM; its backup is restored before patching");
                Step($"preflight: run {pre.InterruptedRun} was interrupted; the agent restores its backup first");
            }
            if (!_options.Force && !interrupted && string.Equals(pre.Signature, bundle.Signature, StringComparison.OrdinalIgnoreCase))
            {
                Step("preflight: already at " + bundle.Signature);
                return End(LivePatchStatus.AlreadyCurrent, null, null);
            }
            if (string.IsNullOrEmpty(pre.CmdlineType))
                return End(LivePatchStatus.Failed, "Preflight", "cannot tell the VM's type (no type= in /var/cache/cloud/cmdline)");

            bool agentVm = pre.IsAgentVm;
            long stageBytes = bundle.ScriptsBytes + (agentVm ? bundle.AgentZipBytes : 0) + 64 * 1024;
            long needBytes = stageBytes + bundle.ScriptsUnpackedBytes + (agentVm ? bundle.AgentZipUnpackedBytes + pre.SystemVmKb * 1024 : 0) + 1024 * 1024;
            if (pre.FreeKb is long freeKb && freeKb * 1024 < needBytes)
                return End(LivePatchStatus.Failed, "Preflight",
                    $"not enough free disk on /var/cache/cloud: the payload and the backup need {Mib(needBytes)} MiB, {Mib(freeKb * 1024)} MiB free; nothing was uploaded");
            Step($"preflight ok: {pre.ReleaseLine ?? "release unknown"}, signature {pre.Signature ?? "none"}, type {pre.CmdlineType}, {Mib((pre.FreeKb ?? 0) * 1024)} MiB free");

            // --- pre-checks -------------------------------------------------------------------------------------
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
                        return End(LivePatchStatus.Failed, "PreCheck", $"pre-check failed: {cmd}: {Tail(r.Stdout)}");
                    }
                    Step($"pre-checks ok ({_options.PreChecks.Count})");
                }
                catch (OperationCanceledException) { return End(LivePatchStatus.Skipped, "Cancelled", "cancelled at pre-checks; nothing changed"); }
            }
            if (cancellationToken.IsCancellationRequested) return End(LivePatchStatus.Skipped, "Cancelled", "cancelled before upload; nothing changed");

            // --- upload and verify ------------------------------------------------------------------------------
            var files = StagedFiles(bundle, agentVm, pre.CmdlineType!);
            try
            {
                var sw = Stopwatch.StartNew();
                var r = await session.RunAsync(new SshCommand(RemoteCommands.Upload(_runId))
                {
                    WriteStdin = (stream, ct) => WriteTarAsync(stream, files, ct),
                    Timeout = _options.UploadTimeout,
                }, cancellationToken).ConfigureAwait(false);
                if (r.ExitCode != 0)
                {
                    await RemoveStageAsync(session).ConfigureAwait(false);
                    return End(LivePatchStatus.Failed, "Upload", $"upload failed: {Tail(r.Stderr + r.Stdout)}; nothing on the VM changed");
                }
                var arrived = ParseMd5Sums(r.Stdout);
                foreach (var f in files)
                {
                    if (!arrived.TryGetValue(f.Name, out string? md5) || !string.Equals(md5, f.Md5, StringComparison.OrdinalIgnoreCase))
                    {
                        await RemoveStageAsync(session).ConfigureAwait(false);
                        return End(LivePatchStatus.Failed, "Verify", $"{f.Name} arrived with MD5 {md5 ?? "none"}, expected {f.Md5}; not used, nothing changed");
                    }
                }
                Step($"upload ok: {files.Count} files, {Mib(files.Sum(f => (long)f.Length))} MiB in {sw.Elapsed.TotalSeconds:0.0} s, checksums verified");
            }
            catch (OperationCanceledException)
            {
                await RemoveStageAsync(session).ConfigureAwait(false);
                return End(LivePatchStatus.Skipped, "Cancelled", "cancelled during upload; nothing on the VM changed");
            }
            catch (SshException ex)
            {
                await RemoveStageAsync(session).ConfigureAwait(false);
                return End(LivePatchStatus.Failed, "Upload", $"{ex.Message}; the upload broke off and nothing on the VM changed");
            }

            // --- start the agent and wait: from here the VM finishes on its own ---------------------------------
            return await StartAndWaitAsync(session, rec, Step, End).ConfigureAwait(false);
        }

        private async Task<LivePatchResult> StartAndWaitAsync(ISshSession session, Record rec, Action<string> Step, Func<LivePatchStatus, string?, string?, LivePatchResult> End)
        {
            // Not cancellable on purpose: once the agent runs, Ctrl+C waits for it to patch or roll back.
            string command = RemoteCommands.StartAndWait(_runId);
            SshException? lastError = null;
            // One budget for the whole wait: reconnecting after a lost connection does not restart the clock.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            for (int attempt = 0; attempt < 4 && waited.Elapsed < _options.AgentTimeout; attempt++)
            {
                var journal = new List<string>();
                try
                {
                    var r = await session.RunAsync(new SshCommand(command)
                    {
                        Timeout = _options.AgentTimeout - waited.Elapsed,
                        OnStdoutLine = line =>
                        {
                            if (line.StartsWith("J ", StringComparison.Ordinal)) Step(JournalText(line.Substring(2)));
                            else if (line.StartsWith("STALE-LOCK", StringComparison.Ordinal)) rec.Warnings.Add("took over a stale lock: " + line.Substring(10).Trim());
                            else if (line == "STARTED") Step("agent started detached");
                        },
                    }, CancellationToken.None).ConfigureAwait(false);
                    string first = r.Stdout.Split('\n').FirstOrDefault(l => l.StartsWith("VERIFY-FAILED", StringComparison.Ordinal) || l.StartsWith("LOCKED", StringComparison.Ordinal)) ?? "";
                    switch (r.ExitCode)
                    {
                        case 0: return FromOutcome(r.Stdout, rec, End);
                        case 10: return End(LivePatchStatus.Failed, "Verify", "staged payload failed its checksum on the VM (" + first.Substring(Math.Min(first.Length, 14)).Trim() + "); not used, nothing changed");
                        case 11: return End(LivePatchStatus.Failed, "Lock", "another live patch holds this VM's lock (" + first.Substring(Math.Min(first.Length, 6)).Trim() + "); refused, nothing changed");
                        case 12:
                            bool started = attempt > 0 || r.Stdout.Split('\n').Any(l => l.Trim() == "STARTED");
                            return !started
                                ? End(LivePatchStatus.Failed, "Start", "the agent did not start; nothing changed")
                                : End(LivePatchStatus.Failed, "Agent", "the agent ended without an outcome (VM rebooted or agent killed); the VM may be between versions until the next run restores its backup");
                        default: return End(LivePatchStatus.Failed, "Start", $"start failed with exit code {r.ExitCode}: {Tail(r.Stderr + r.Stdout)}");
                    }
                }
                catch (SshException ex)
                {
                    // The agent does not depend on this connection; reconnect and keep waiting for its outcome.
                    lastError = ex;
                    Step($"connection lost while waiting ({ex.Kind}); waiting again");
                    command = RemoteCommands.Wait(_runId);
                    await Task.Delay(TimeSpan.FromSeconds(1 + attempt * 2)).ConfigureAwait(false);
                }
            }
            return End(LivePatchStatus.Failed, "Wait",
                $"lost the VM while its agent was running ({lastError?.Message}); the agent finishes on its own and the next run reports the outcome");
        }

        private static LivePatchResult FromOutcome(string stdout, Record rec, Func<LivePatchStatus, string?, string?, LivePatchResult> End)
        {
            int begin = stdout.IndexOf("OUTCOME-BEGIN", StringComparison.Ordinal);
            var kv = RemoteCommands.KeyValues(begin >= 0 ? stdout.Substring(begin) : stdout);
            string? Get(string k) => kv.TryGetValue(k, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
            rec.FromSignature = Get("from_sig") ?? rec.FromSignature;
            rec.ToSignature = Get("to_sig");
            string status = Get("status") ?? "";
            var parsed = Enum.TryParse(status, out LivePatchStatus s) ? s : LivePatchStatus.Failed;
            return parsed == LivePatchStatus.Patched
                ? End(LivePatchStatus.Patched, null, null)
                : End(parsed, Get("step"), Get("error") ?? (status.Length == 0 ? "no outcome" : null));
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
            // The checksum list the start command verifies against: what this controller computed locally.
            var sums = new StringBuilder();
            foreach (var f in list) sums.Append(f.Md5).Append("  ").Append(f.Name).Append('\n');
            byte[] sumBytes = Encoding.ASCII.GetBytes(sums.ToString());
            list.Add(new StagedFile("checksums.md5", null, sumBytes, sumBytes.Length, Md5(sumBytes)));
            return list;
        }

        private string Params(PatchBundle bundle, string cmdlineType)
        {
            var checks = string.Join("\n", _options.PostChecks.Select(c => Convert.ToBase64String(Encoding.UTF8.GetBytes(c))));
            return $"EXPECTED_SIG={RemoteCommands.Quote(bundle.Signature)}\nVM_TYPE={RemoteCommands.Quote(cmdlineType)}\nPOSTCHECKS_B64={RemoteCommands.Quote(checks)}\n";
        }

        private static async Task WriteTarAsync(Stream stream, IReadOnlyList<StagedFile> files, CancellationToken ct)
        {
            foreach (var f in files)
            {
                if (f.Bytes != null) await TarStreamWriter.WriteBytesAsync(stream, f.Name, f.Bytes, ct).ConfigureAwait(false);
                else
                {
                    using var content = File.OpenRead(f.Path!);
                    await TarStreamWriter.WriteFileAsync(stream, f.Name, content, f.Length, ct).ConfigureAwait(false);
                }
            }
            await TarStreamWriter.WriteEndAsync(stream, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }

        // Best effort: after a broken upload the connection may be gone; the next run clears stale stages too.
        private async Task RemoveStageAsync(ISshSession session)
        {
            try { await session.RunAsync(new SshCommand(RemoteCommands.RemoveRun(_runId)) { Timeout = TimeSpan.FromSeconds(20) }, CancellationToken.None).ConfigureAwait(false); }
            catch (SshException) { }
        }

        private static Dictionary<string, string> ParseMd5Sums(string stdout)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in stdout.Split('\n'))
            {
                var parts = line.Trim().Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2) map[parts[1].TrimStart('*', ' ')] = parts[0];
            }
            return map;
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
