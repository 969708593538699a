using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.LivePatch.Upload;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The controller's side of one VM's patch, in two halves. PrepareAsync connects, with the preflight riding on
    /// the connection's opening, and decides what the preflight allows (<see cref="PreflightDecision"/>); it changes
    /// nothing, so the rollout may run it ahead of the VM's batch. ApplyAsync runs the pre-checks, then one command
    /// that uploads and verifies the payload (<see cref="Payload"/>), starts the on-VM agent and waits for its
    /// outcome (<see cref="AgentRun"/>). Everything that changes the VM happens in the agent (OnVm/agent.sh,
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

        /// <summary>
        /// One VM's patch between its two halves: connected and read (preflight), or already decided (refused,
        /// already current, failed to connect). Nothing on the VM has changed yet.
        /// </summary>
        internal sealed class PreparedVm
        {
            public PreparedVm(VmPatchRecord record) { Record = record; }

            public VmPatchRecord Record { get; }
            public ISshSession? Session { get; set; }
            public PreflightReport? Preflight { get; set; }
            /// <summary>Set when preparing already decided the outcome: no change will be attempted.</summary>
            public PatchVerdict? Verdict { get; set; }

            public async Task CloseAsync()
            {
                var session = Session;
                Session = null;
                if (session != null) await session.CloseAsync().ConfigureAwait(false);
            }
        }

        /// <summary>The first half, which changes nothing: connect with the preflight riding on the connection's opening, then decide.</summary>
        public async Task<PreparedVm> PrepareAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            var run = new PreparedVm(new VmPatchRecord(vm, _runId, _options.Bundle.Version,
                text => _onEvent(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm.Name, Message = text })));
            var rec = run.Record;
            rec.Resume();
            try
            {
                if (cancellationToken.IsCancellationRequested) { run.Verdict = new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Cancelled, "cancelled before it started; nothing changed"); return run; }

                SshRoute route;
                try { route = SshRouteBuilder.Build(vm, _options.Ssh); }
                catch (SshRouteException ex) { run.Verdict = new PatchVerdict(LivePatchStatus.Failed, PatchStep.Connect, ex.Message) { Remedy = ex.Remedy }; return run; }
                try
                {
                    rec.Step($"connect {route}");
                    // The preflight rides on the connection's opening: no extra round trip before anything is decided.
                    run.Session = await _ssh.OpenAsync(vm.Name, route, RemoteCommands.Preflight(), cancellationToken).ConfigureAwait(false);
                }
                catch (SshException ex) { run.Verdict = new PatchVerdict(LivePatchStatus.Failed, PatchStep.Connect, ex.Message) { Remedy = ex.Remedy }; return run; }
                catch (OperationCanceledException) { run.Verdict = new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Cancelled, "cancelled while connecting; nothing changed"); return run; }

                run.Preflight = PreflightReport.Parse(run.Session.OpeningOutput ?? "");
                if (PlannedSignatureDrift(vm, run.Preflight) is PatchVerdict drifted)
                {
                    rec.Learn(run.Preflight.Release?.ToString(), run.Preflight.Signature, run.Preflight.Signature, null);
                    run.Verdict = drifted;
                    await run.CloseAsync().ConfigureAwait(false);
                    return run;
                }
                var decision = PreflightDecision.Decide(run.Preflight, _options.Bundle, _options.Force, _runId);
                rec.Learn(decision.FromVersion, decision.FromSignature, decision.FromSignature, decision.PreviousRun);
                foreach (var step in decision.Steps) rec.Step(step);
                foreach (var warning in decision.Warnings) rec.Warn(warning);
                run.Verdict = decision.Verdict;
                if (run.Verdict != null) await run.CloseAsync().ConfigureAwait(false);
                return run;
            }
            finally { rec.Pause(); }
        }

        /// <summary>The second half, in the VM's batch: pre-checks, then upload, verify, start the agent and wait.</summary>
        public async Task<LivePatchResult> ApplyAsync(PreparedVm run, int batch, CancellationToken cancellationToken)
        {
            var rec = run.Record;
            rec.Batch = batch;
            rec.Resume();
            try
            {
                if (run.Verdict != null) return rec.End(run.Verdict);
                var session = run.Session!;
                var pre = run.Preflight!;
                if (await PreChecksAsync(session, rec, cancellationToken).ConfigureAwait(false) is PatchVerdict refused) return rec.End(refused);
                if (cancellationToken.IsCancellationRequested) return rec.End(new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Cancelled, "cancelled before upload; nothing changed"));
                // Upload, verify, start the agent and wait: one command; from the agent's start the VM finishes on its own.
                var files = Payload.Build(_options.Bundle, pre.IsAgentVm, pre.CmdlineType!, _options.PostChecks, _options.AgentTimeout);
                return await new AgentRun(session, files, _options, _runId, rec).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SshException ex) { return rec.End(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Connect, ex.Message) { Remedy = ex.Remedy }); }
            finally
            {
                rec.Pause();
                await run.CloseAsync().ConfigureAwait(false);
            }
        }

        // A saved plan was approved for the signature it saw; a VM that now runs another (patched or rolled back meanwhile) drifted.
        private PatchVerdict? PlannedSignatureDrift(SystemVm vm, PreflightReport pre)
        {
            if (_options.PlannedSignatures == null || !_options.PlannedSignatures.TryGetValue(vm.Server + "/" + vm.Id, out var planned)) return null;
            if (string.Equals(planned, pre.Signature, StringComparison.OrdinalIgnoreCase)) return null;
            return new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Drifted,
                $"changed since the plan: the VM's scripts signature {planned} -> {pre.Signature ?? "none"}; make a new plan to patch it");
        }

        // The operator's own checks, right before the change; null when they passed (or there are none).
        private async Task<PatchVerdict?> PreChecksAsync(ISshSession session, VmPatchRecord rec, CancellationToken cancellationToken)
        {
            var checks = _options.PreChecks;
            if (checks.Count == 0) return null;
            try
            {
                var r = await session.RunAsync(new SshCommand(RemoteCommands.PreChecks(checks)) { Timeout = TimeSpan.FromMinutes(5) }, cancellationToken).ConfigureAwait(false);
                if (r.ExitCode != 0)
                {
                    int.TryParse(AgentProtocol.FirstDetail(r.Stdout, AgentProtocol.PreCheckFailed), NumberStyles.Integer, CultureInfo.InvariantCulture, out int idx);
                    string cmd = idx >= 0 && idx < checks.Count ? checks[idx] : "?";
                    return new PatchVerdict(LivePatchStatus.Failed, PatchStep.PreCheck, $"pre-check failed: {cmd}: {AgentRun.Tail(r.Stdout)}");
                }
                rec.Step($"pre-checks ok ({checks.Count})");
                return null;
            }
            catch (OperationCanceledException) { return new PatchVerdict(LivePatchStatus.Skipped, PatchStep.Cancelled, "cancelled at pre-checks; nothing changed"); }
        }
    }
}
