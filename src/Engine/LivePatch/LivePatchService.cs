using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Live-patches system VMs in a rolling rollout: plans (no remote call), then per VM the controller side
    /// (<see cref="VmPatcher"/>) and the on-VM agent, batch by batch. One result per VM, streamed as each ends.
    /// </summary>
    public sealed class LivePatchService
    {
        private readonly Func<LivePatchOptions, ISshClient> _sshFactory;

        /// <param name="sshFactory">The transport per run; default: the OpenSSH client.</param>
        public LivePatchService(Func<LivePatchOptions, ISshClient>? sshFactory = null)
        {
            _sshFactory = sshFactory ?? (o => new OpenSshClient(o.ShareConnections));
        }

        /// <summary>SSH connections the last run opened (one per VM with connection sharing).</summary>
        public int LastRunConnections { get; private set; }

        /// <summary>The plan (what -WhatIf shows); no remote call at all.</summary>
        public static LivePatchPlan Plan(IReadOnlyList<SystemVm> vms, LivePatchOptions options)
        {
            if (options?.Bundle == null) throw new ArgumentException("LivePatchOptions.Bundle is required.", nameof(options));
            return LivePatchPlanner.Plan(vms, options.Bundle, options);
        }

        public static string NewRunId() => Guid.NewGuid().ToString("N").Substring(0, 12);

        public async Task<IReadOnlyList<LivePatchResult>> RunAsync(IReadOnlyList<SystemVm> vms, LivePatchOptions options, Action<LivePatchEvent>? onEvent, CancellationToken cancellationToken)
        {
            var plan = Plan(vms, options);
            string runId = options.RunId ?? NewRunId();
            void Raise(LivePatchEvent e) { try { onEvent?.Invoke(e); } catch (Exception) { /* the caller's queue must not break a rollout */ } }

            var results = new List<LivePatchResult>();
            var toConfirm = new List<(SystemVm, LivePatchResult)>();
            foreach (var entry in plan.Entries.Where(e => e.Action != LivePatchAction.Patch))
            {
                var r = new LivePatchResult
                {
                    VmId = entry.Vm.Id, VmName = entry.Vm.Name, VmType = entry.Vm.Type, Zone = entry.Vm.ZoneName, Server = entry.Vm.Server,
                    RunId = runId, FromVersion = entry.FromVersion, ToVersion = options.Bundle.Version,
                    FromSignature = entry.Vm.ScriptsSignature, ToSignature = entry.Vm.ScriptsSignature,
                    Status = entry.Action == LivePatchAction.AlreadyCurrent ? LivePatchStatus.AlreadyCurrent : LivePatchStatus.Skipped,
                    FailedStep = entry.Action == LivePatchAction.Skip ? entry.Reason!.Split(':')[0] : null,
                    Error = entry.Reason, Steps = new[] { "planned: " + (entry.Reason ?? entry.Action.ToString()) },
                };
                // CloudStack's record alone never makes a VM current over SSH: its preflight confirms it (CurrentVmConfirmer).
                if (r.Status == LivePatchStatus.AlreadyCurrent && options.Method == LivePatchMethod.Ssh) { toConfirm.Add((entry.Vm, r)); continue; }
                results.Add(r);
                Raise(new LivePatchEvent(LivePatchEventKind.Result) { VmName = r.VmName, Result = r });
            }

            using var ssh = _sshFactory(options);
            if (toConfirm.Count > 0)
                foreach (var r in await CurrentVmConfirmer.ConfirmAllAsync(new VmPatcher(ssh, options, runId, Raise), toConfirm, options.Rollout.ThrottleLimit ?? 16, cancellationToken).ConfigureAwait(false))
                {
                    results.Add(r);
                    Raise(new LivePatchEvent(LivePatchEventKind.Result) { VmName = r.VmName, Result = r });
                }
            Func<SystemVm, int, CancellationToken, Task<LivePatchResult>> work;
            HeadStarts? headStarts = null;
            if (options.Method == LivePatchMethod.Api)
            {
                var viaApi = new ThroughCloudStack.CloudStackPatcher(
                    server => options.Apis.TryGetValue(server, out var api) ? api : null, new Versions.SshVmProber(ssh, options.Ssh),
                    options.Bundle, options.Force, runId, (vm, step) => Raise(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm, Message = step }));
                work = viaApi.PatchAsync;
            }
            else
            {
                var patcher = new VmPatcher(ssh, options, runId, Raise);
                var reapply = new NetworkReapplyTracker(plan.RolloutItems.Select(i => i.Value), options);
                headStarts = new HeadStarts(patcher);
                work = async (vm, batch, ct) =>
                {
                    var prepared = await headStarts.TakeOrPrepareAsync(vm, ct).ConfigureAwait(false);
                    var result = await patcher.ApplyAsync(prepared, batch, ct).ConfigureAwait(false);
                    return await reapply.AfterAsync(vm, result, Raise, ct).ConfigureAwait(false);
                };
            }
            var executor = new RollingExecutor<SystemVm, LivePatchResult>(
                work,
                r => r.IsFailure,
                (vm, batch, why) => new LivePatchResult
                {
                    VmId = vm.Id, VmName = vm.Name, VmType = vm.Type, Zone = vm.ZoneName, Server = vm.Server, RunId = runId,
                    FromVersion = CloudStackVersion.ParseOrNull(vm.TemplateVersion)?.ToString(), ToVersion = options.Bundle.Version,
                    FromSignature = vm.ScriptsSignature, ToSignature = vm.ScriptsSignature,
                    Status = LivePatchStatus.Skipped, FailedStep = why.Contains("cancel") ? "Cancelled" : why.Contains("partner") ? "PartnerFailed" : "Stopped",
                    Error = why, Batch = batch, Steps = new[] { why },
                })
            {
                PrepareAhead = headStarts == null ? null : headStarts.StartAsync,
                ReleasePrepared = headStarts == null ? null : headStarts.Release,
            };
            var rolled = await executor.RunAsync(plan.RolloutItems, options.Rollout,
                e => Raise(new LivePatchEvent(LivePatchEventKind.Progress) { Rollout = e, VmName = e.ItemName, Message = e.Message }),
                r =>
                {
                    Raise(new LivePatchEvent(LivePatchEventKind.Result) { VmName = r.VmName, Result = r });
                    foreach (var w in r.Warnings) Raise(new LivePatchEvent(LivePatchEventKind.Warning) { VmName = r.VmName, Message = w });
                },
                cancellationToken).ConfigureAwait(false);
            results.AddRange(rolled);
            if (headStarts != null) await headStarts.DrainAsync().ConfigureAwait(false);
            LastRunConnections = ssh.ConnectionsOpened;
            return results;
        }

        /// <summary>
        /// The next batch's VMs connected and read while the current batch drains (RollingExecutor.PrepareAhead):
        /// the first half of VmPatcher's work, which changes nothing, so batches keep their meaning.
        /// </summary>
        private sealed class HeadStarts
        {
            private readonly VmPatcher _patcher;
            private readonly Dictionary<SystemVm, Task<VmPatcher.PreparedVm>> _started = new Dictionary<SystemVm, Task<VmPatcher.PreparedVm>>();

            public HeadStarts(VmPatcher patcher) { _patcher = patcher; }

            // Started outside the lock (it spawns ssh): the executor calls this once per VM and lets the VM's own work
            // begin only after this has returned, so nobody looks the VM up before it is stored.
            public Task StartAsync(SystemVm vm, CancellationToken ct)
            {
                var task = _patcher.PrepareAsync(vm, ct);
                lock (_started) _started[vm] = task;
                return task;
            }

            public Task<VmPatcher.PreparedVm> TakeOrPrepareAsync(SystemVm vm, CancellationToken ct)
            {
                lock (_started)
                    if (_started.TryGetValue(vm, out var task) && _started.Remove(vm)) return task;
                return _patcher.PrepareAsync(vm, ct);
            }

            private readonly List<Task> _closing = new List<Task>();

            // Called for a VM that will not run after all: close its connection once its preparation ends.
            public void Release(SystemVm vm)
            {
                Task<VmPatcher.PreparedVm>? task;
                lock (_started)
                {
                    if (!_started.TryGetValue(vm, out task) || !_started.Remove(vm)) return;
                    _closing.Add(task.ContinueWith(t => t.Status == TaskStatus.RanToCompletion ? t.Result.CloseAsync() : Task.CompletedTask, TaskScheduler.Default).Unwrap());
                }
            }

            /// <summary>Waits for released connections to close, so none outlives the run.</summary>
            public Task DrainAsync()
            {
                lock (_started) return Task.WhenAll(_closing);
            }
        }

        /// <summary>Re-applies a network's router rules once, after the last of its routers in this run ends patched.</summary>
        private sealed class NetworkReapplyTracker
        {
            private readonly LivePatchOptions _options;
            private readonly Dictionary<string, int> _remaining = new Dictionary<string, int>();
            private readonly HashSet<string> _spoiled = new HashSet<string>();

            public NetworkReapplyTracker(IEnumerable<SystemVm> vms, LivePatchOptions options)
            {
                _options = options;
                if (!options.ReapplyRouterRules) return;
                foreach (var vm in vms)
                    if (RouterNetwork.Key(vm) is string key) _remaining[key] = _remaining.TryGetValue(key, out int n) ? n + 1 : 1;
            }

            private readonly HashSet<string> _patched = new HashSet<string>();

            public async Task<LivePatchResult> AfterAsync(SystemVm vm, LivePatchResult result, Action<LivePatchEvent> raise, CancellationToken ct)
            {
                if (!_options.ReapplyRouterRules || !(RouterNetwork.Key(vm) is string key)) return result;
                bool due;
                lock (_remaining)
                {
                    if (result.Status == LivePatchStatus.Patched) _patched.Add(key);
                    else if (result.Status != LivePatchStatus.AlreadyCurrent) _spoiled.Add(key);
                    _remaining[key]--;
                    // Once per network, after its last router ends, when one of them changed and none failed.
                    due = _remaining[key] == 0 && _patched.Contains(key) && !_spoiled.Contains(key);
                }
                if (!due) return result;
                if (!_options.Apis.TryGetValue(vm.Server, out var api))
                    return result with { Warnings = result.Warnings.Concat(new[] { $"rules not re-applied: no API connection named '{vm.Server}'" }).ToArray() };
                try
                {
                    string done = await RouterRuleReapplier.ReapplyAsync(vm, api, ct).ConfigureAwait(false);
                    raise(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm.Name, Message = done });
                    return result with { Steps = result.Steps.Concat(new[] { done }).ToArray() };
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    return result with { Warnings = result.Warnings.Concat(new[] { "patched, but re-applying the rules failed: " + ex.Message }).ToArray() };
                }
            }
        }
    }
}
