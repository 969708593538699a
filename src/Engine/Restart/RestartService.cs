using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>
    /// A rolling restart of many VMs (Restart-SysVm): the shared rolling executor paces it, each VM is restarted
    /// through its own management server, and the executor appends every VM's outcome to the history as it completes.
    /// </summary>
    public sealed class RestartService
    {
        private readonly Func<string, ICloudStackApi?> _serverByName;
        private readonly HistoryStore? _history;

        private readonly ServiceRestarter? _services;

        /// <param name="serverByName">The connection a VM's Server names, or null when it is not connected.</param>
        /// <param name="history">Where each VM's outcome is recorded; null records nothing.</param>
        /// <param name="services">How the Services mode reaches VMs over SSH; null when that mode is not used.</param>
        public RestartService(Func<string, ICloudStackApi?> serverByName, HistoryStore? history, ServiceRestarter? services = null)
        {
            _serverByName = serverByName ?? throw new ArgumentNullException(nameof(serverByName));
            _history = history;
            _services = services;
        }

        /// <summary>Receives history write failures (the restart itself stands; the record could not be kept).</summary>
        public Action<string>? Warning { get; set; }
        /// <summary>Receives one line per step per VM.</summary>
        public Action<string>? Verbose { get; set; }
        /// <summary>Checked before a reboot or stop-start (the host's files come into the VM at start); null: not checked.</summary>
        public Reconcile.StartRepatchGuard? StartGuard { get; set; }

        /// <summary>The plan (what -WhatIf shows, what -Confirm asks, what runs); no remote call at all.</summary>
        public static RestartPlan Plan(IReadOnlyList<SystemVm> vms, RestartOptions options) => RestartPlan.For(vms, options);

        /// <summary>Plans and restarts every VM, without asking.</summary>
        public Task<IReadOnlyList<RestartResult>> RunAsync(IReadOnlyList<SystemVm> vms, RestartOptions options, Action<RestartEvent>? sink, CancellationToken cancellationToken)
        {
            var plan = Plan(vms, options);
            return RunAsync(plan, plan.Vms, sink, cancellationToken);
        }

        /// <summary>
        /// Runs <paramref name="plan"/> as approved: the VMs in <paramref name="approved"/> restart in the batches the plan
        /// gave them (the ones the prompts named); VMs declined are left out and their batches keep their numbers.
        /// </summary>
        public Task<IReadOnlyList<RestartResult>> RunAsync(RestartPlan plan, IReadOnlyCollection<SystemVm> approved, Action<RestartEvent>? sink, CancellationToken cancellationToken)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var options = plan.Options;
            string runId = options.RunId!;
            if (options.Mode == RestartMode.Services && _services is null)
                throw new ArgumentException("The Services mode restarts over SSH and needs a ServiceRestarter.", nameof(plan));
            void Raise(RestartEvent e) { try { sink?.Invoke(e); } catch (Exception) { /* the caller's queue must not break a rollout */ } }

            var yes = new HashSet<SystemVm>(approved ?? throw new ArgumentNullException(nameof(approved)));
            var batches = plan.Batches.Select(b => (IReadOnlyList<RolloutItem<SystemVm>>)b.Where(i => yes.Contains(i.Value)).ToList()).ToList();
            // Recreating one router of a network recreates all of them: the second is skipped, not recreated twice.
            var recreatedNetworks = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var history = new HistoryRecorder(_history, Warning);
            // Restarting has no change-free first half worth doing ahead, so nothing is prepared: the executor's
            // shape is the same as live patching's, with its record and its crash result in one place each.
            var executor = new RollingExecutor<SystemVm, object, RestartResult>(
                async (vm, _, batch, ct) => await RestartOneAsync(vm, options, runId, recreatedNetworks, ct).ConfigureAwait(false) with { Batch = batch },
                r => r.IsFailure,
                (vm, batch, why) => Skipped(vm, options, runId, why.Message) with { Batch = batch })
            {
                // One VM's surprise must not end the rollout.
                Crashed = (vm, batch, e) => Failed(vm, options, runId, "unexpected: " + e.Message) with { Batch = batch },
                Record = r => history.Record(r.ToHistory()),
            };
            return executor.RunAsync(batches, Array.Empty<RestartResult>(), options.Rollout,
                e => Raise(new RestartEvent { Rollout = e }), r => Raise(new RestartEvent { Result = r }), cancellationToken);
        }

        private async Task<RestartResult> RestartOneAsync(SystemVm vm, RestartOptions options, string runId, ConcurrentDictionary<string, string> recreated, CancellationToken ct)
        {
            if (options.Mode == RestartMode.Services)
                return await _services!.RestartAsync(vm, runId, options.Timeout, ct).ConfigureAwait(false);
            var api = _serverByName(vm.Server);
            if (api is null) return Failed(vm, options, runId, $"not connected to '{vm.Server}', the management server this VM came from");
            if (options.Mode == RestartMode.Recreate && vm.Type == SystemVmType.Router)
            {
                string? key = RouterNetwork.Key(vm);
                if (key != null && !recreated.TryAdd(key, vm.Name))
                    return Skipped(vm, options, runId, $"recreated with {recreated[key]} (same {RouterNetwork.Describe(vm)})");
            }
            string? note = null;
            if (StartGuard != null && (options.Mode == RestartMode.Reboot || options.Mode == RestartMode.StopStart))
            {
                var (refusal, unchecked_) = await StartGuard.CheckAsync(vm, options.Mode.ToString(), ct).ConfigureAwait(false);
                if (refusal != null) return Outcome(vm, options, runId, RestartStatus.Skipped, refusal);
                if ((note = unchecked_) != null) Verbose?.Invoke($"{vm.Name}: {note}");
            }
            var result = await new ApiRestarter(api, options, Verbose).RestartAsync(vm, runId, ct).ConfigureAwait(false);
            return note is null ? result : result with { Steps = new[] { note }.Concat(result.Steps).ToArray() };
        }

        private static RestartResult Skipped(SystemVm vm, RestartOptions options, string runId, string reason) =>
            Outcome(vm, options, runId, RestartStatus.Skipped, reason);

        private static RestartResult Failed(SystemVm vm, RestartOptions options, string runId, string reason) =>
            Outcome(vm, options, runId, RestartStatus.Failed, reason);

        private static RestartResult Outcome(SystemVm vm, RestartOptions options, string runId, RestartStatus status, string reason) =>
            RestartResult.For(vm, options.Mode, runId) with { Status = status, Error = reason, Steps = new[] { reason } };

    }
}
