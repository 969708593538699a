using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Live-patches system VMs in a rolling rollout: one plan (<see cref="Plan"/>, no remote call) executed as
    /// approved, per VM the controller side (<see cref="VmPatcher"/>) and the on-VM agent, batch by batch through
    /// the rolling executor's prepare/apply/release. One result per VM, recorded and streamed as each ends.
    /// </summary>
    public sealed class LivePatchService
    {
        private readonly Func<LivePatchOptions, ISshClient> _sshFactory;
        private readonly HistoryRecorder? _history;

        /// <param name="sshFactory">
        /// The transport per run; default: SSH.NET, as the cmdlets default to, with a thread for each VM the rollout
        /// works on at once (ThrottleLimit, else the batch).
        /// </param>
        /// <param name="history">Where each VM's records go as it ends; null records nothing.</param>
        public LivePatchService(Func<LivePatchOptions, ISshClient>? sshFactory = null, HistoryRecorder? history = null)
        {
            _sshFactory = sshFactory ?? (o => SshTransports.Create(SshTransport.SshNet, parallelism: o.Rollout.ThrottleLimit ?? o.Rollout.BatchSize));
            _history = history;
        }

        /// <summary>SSH connections the last run opened (one per VM with connection sharing).</summary>
        public int LastRunConnections { get; private set; }

        /// <summary>The plan (what -WhatIf shows, what -Confirm asks, what runs); no remote call at all.</summary>
        public static LivePatchPlan Plan(IReadOnlyList<SystemVm> vms, LivePatchOptions options)
        {
            if (options?.Bundle == null) throw new ArgumentException("LivePatchOptions.Bundle is required.", nameof(options));
            return LivePatchPlanner.Plan(vms, options.Bundle, options);
        }

        /// <summary>Plans and runs every VM the plan would patch, without asking.</summary>
        public Task<IReadOnlyList<LivePatchResult>> RunAsync(IReadOnlyList<SystemVm> vms, LivePatchOptions options, Action<LivePatchEvent>? onEvent, CancellationToken cancellationToken)
        {
            var plan = Plan(vms, options);
            return RunAsync(plan, plan.ToPatch, onEvent, cancellationToken);
        }

        /// <summary>
        /// Runs <paramref name="plan"/> as approved: the VMs to patch that are in <paramref name="approved"/> run in
        /// the batches the plan gave them (the ones the prompts named); the others the plan settled (already current,
        /// skipped) are reported as planned; VMs declined are left out.
        /// </summary>
        public async Task<IReadOnlyList<LivePatchResult>> RunAsync(LivePatchPlan plan, IReadOnlyCollection<SystemVm> approved, Action<LivePatchEvent>? sink, CancellationToken cancellationToken)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var options = plan.Options;
            string runId = options.RunId!;
            void Raise(LivePatchEvent e) { try { sink?.Invoke(e); } catch (Exception) { /* the caller's queue must not break a rollout */ } }

            var yes = new HashSet<SystemVm>(approved ?? throw new ArgumentNullException(nameof(approved)));
            var batches = plan.Batches.Select(b => (IReadOnlyList<RolloutItem<SystemVm>>)b.Where(i => yes.Contains(i.Value)).ToList()).ToList();
            var decided = plan.Entries.Where(e => e.Action != LivePatchAction.Patch).Select(e => LivePatchWork.Stamp(LivePatchResult.For(e.Vm, runId, options.Bundle.Version), options) with
            {
                FromVersion = e.FromVersion,
                Status = e.Action == LivePatchAction.AlreadyCurrent ? LivePatchStatus.AlreadyCurrent : LivePatchStatus.Skipped,
                FailedStep = e.Why?.ToString(), Error = e.Reason, Steps = new[] { "planned: " + (e.Reason ?? e.Action.ToString()) },
            }).ToList();

            using var ssh = _sshFactory(options);
            // CloudStack's record alone never makes a VM current over SSH: its preflight confirms it (CurrentVmConfirmer).
            if (options.Method == LivePatchMethod.Ssh && decided.Any(r => r.Status == LivePatchStatus.AlreadyCurrent))
            {
                var vms = plan.Entries.ToDictionary(e => e.Vm.Id, e => e.Vm);
                var toConfirm = decided.Where(r => r.Status == LivePatchStatus.AlreadyCurrent).Select(r => (vms[r.VmId], r)).ToList();
                var confirmed = await CurrentVmConfirmer.ConfirmAllAsync(new VmPatcher(ssh, options, runId, Raise), toConfirm,
                    options.Rollout.ThrottleLimit ?? 16, cancellationToken).ConfigureAwait(false);
                decided = decided.Where(r => r.Status != LivePatchStatus.AlreadyCurrent).Concat(confirmed).ToList();
            }
            var executor = LivePatchWork.Executor(ssh, options, runId, batches.SelectMany(b => b).Select(i => i.Value), Raise, _history);
            var results = await executor.RunAsync(batches, decided, options.Rollout,
                e => Raise(new LivePatchEvent(LivePatchEventKind.Progress) { Rollout = e, VmName = e.ItemName, Message = e.Message }),
                r =>
                {
                    Raise(new LivePatchEvent(LivePatchEventKind.Result) { VmName = r.VmName, Result = r });
                    foreach (var w in r.Warnings) Raise(new LivePatchEvent(LivePatchEventKind.Warning) { VmName = r.VmName, Message = w });
                },
                cancellationToken).ConfigureAwait(false);
            LastRunConnections = ssh.ConnectionsOpened;
            return results;
        }
    }
}
