using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch.ThroughCloudStack;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// A live patch as the rolling executor's work: prepare (connect and preflight, no change), apply (pre-checks,
    /// upload, agent), release (close the connection of a VM that will not run); the result of a VM never started
    /// or whose work threw; and where each result is recorded.
    /// </summary>
    internal static class LivePatchWork
    {
        public static RollingExecutor<SystemVm, VmPatcher.PreparedVm, LivePatchResult> Executor(
            ISshClient ssh, LivePatchOptions options, string runId, IEnumerable<SystemVm> toRun, Action<LivePatchEvent> raise, HistoryRecorder? history)
        {
            string? toVersion = options.Bundle.Version;
            Action<LivePatchResult>? record = history == null ? null : r => history.Record(r.ToHistory());
            LivePatchResult NotStarted(SystemVm vm, int batch, NotStarted why) => Stamp(LivePatchResult.For(vm, runId, toVersion), options) with
            {
                FailedStep = why.Reason.ToString(), Error = why.Message, Batch = batch, Steps = new[] { why.Message },
            };
            LivePatchResult Crashed(SystemVm vm, int batch, Exception e) => CrashResult(Stamp(LivePatchResult.For(vm, runId, toVersion), options) with { Batch = batch }, e);

            if (options.Method == LivePatchMethod.Api)
            {
                var viaApi = new CloudStackPatcher(
                    server => options.Apis.TryGetValue(server, out var api) ? api : null, new Versions.SshVmProber(ssh, options.Ssh),
                    options.Bundle, options.Force, runId, (vm, step) => raise(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm, Message = step }));
                var hostFiles = new Reconcile.SshHostBundleReader(ssh, options.Ssh);
                return new RollingExecutor<SystemVm, VmPatcher.PreparedVm, LivePatchResult>(
                    // Without its connection the VM fails as not connected, before anything reads its host.
                    async (vm, _, batch, ct) => Stamp(RefuseExtrasViaApi(vm, options.Bundle, runId) ?? (options.Apis.ContainsKey(vm.Server) ? await Reconcile.HostFilesGuard.RefuseApiPatchAsync(vm, hostFiles, options.Bundle, runId, ct).ConfigureAwait(false) : null)
                        ?? await viaApi.PatchAsync(vm, batch, ct).ConfigureAwait(false), options),
                    r => r.IsFailure, NotStarted)
                {
                    Crashed = Crashed, Record = record,
                };
            }

            var patcher = new VmPatcher(ssh, options, runId, raise);
            var reconcile = new Reconcile.RecordsReconciler(toRun, options, new Reconcile.SshHostBundleReader(ssh, options.Ssh));
            return new RollingExecutor<SystemVm, VmPatcher.PreparedVm, LivePatchResult>(
                async (vm, prepared, batch, ct) =>
                {
                    prepared ??= await patcher.PrepareAsync(vm, ct).ConfigureAwait(false);
                    var result = await patcher.ApplyAsync(prepared, batch, ct).ConfigureAwait(false);
                    if (Reconcile.SystemVmRecords.HostAgentWarning(vm, toVersion) is string behind) result = result with { Warnings = result.Warnings.Concat(new[] { behind }).ToArray() };
                    return Stamp(await reconcile.AfterAsync(vm, result, raise, ct).ConfigureAwait(false), options);
                },
                r => r.IsFailure, NotStarted)
            {
                Prepare = patcher.PrepareAsync,
                Release = prepared => prepared.CloseAsync(),
                Crashed = Crashed,
                Record = record,
            };
        }

        // CloudStack's patchSystemVm copies the host's agent.zip and scripts only: a bundle's CA certificates and JRE would
        // silently not arrive, so such an SSVM or CPVM is skipped before CloudStack is called (routers never get them).
        private static LivePatchResult? RefuseExtrasViaApi(SystemVm vm, PatchBundle bundle, string runId)
        {
            if (!bundle.Extras.Any || vm.Type == SystemVmType.Router) return null;
            string why = $"the bundle's CA certificates or JRE ({bundle.Extras.Describe()}) are applied only by the SSH agent (Method Ssh); CloudStack's patchSystemVm would leave them out, so it was not called";
            return LivePatchResult.For(vm, runId, bundle.Version) with
            {
                Status = LivePatchStatus.Skipped, FailedStep = PatchStep.Preflight.ToString(), Error = why, Steps = new[] { "refused: " + why },
            };
        }

        /// <summary>Every result of a run that applies a saved plan names the plan (its hash), and so does its history.</summary>
        internal static LivePatchResult Stamp(LivePatchResult result, LivePatchOptions options) =>
            options.PlanHash == null ? result : result with { PlanHash = options.PlanHash };

        /// <summary>
        /// A VM whose work threw (a failed process start, an I/O error, a cancellation nobody caught): what it runs
        /// now is not known here, so the result says to check it; the VM's own agent, if it started, still ends the
        /// VM consistent and the next run's preflight reports how.
        /// </summary>
        internal static LivePatchResult CrashResult(LivePatchResult start, Exception e)
        {
            string what = e is OperationCanceledException
                ? "cancelled while the controller was working on the VM"
                : $"unexpected {e.GetType().Name}: {e.Message}";
            string error = what + "; check the VM: the next run's preflight reports what it was left in";
            return start.With(new PatchVerdict(LivePatchStatus.Failed, PatchStep.Unexpected, error)) with { Steps = new[] { error } };
        }
    }
}
