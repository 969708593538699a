using System;
using System.Collections.Generic;
using System.Diagnostics;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// One VM's result as it is built: the steps and warnings so far, the signatures learnt, and the time the
    /// controller spent on the VM. Steps arrive from the ssh output thread while the worker reads them, hence the
    /// lock. <see cref="End(PatchVerdict)"/> turns it into the <see cref="LivePatchResult"/>.
    /// </summary>
    internal sealed class VmPatchRecord
    {
        private readonly object _gate = new object();
        private readonly List<string> _steps = new List<string>();
        private readonly List<string> _warnings = new List<string>();
        // Runs while the controller works on this VM, not while a prepared VM waits for its batch.
        private readonly Stopwatch _clock = new Stopwatch();
        private readonly Action<string>? _onStep;
        private LivePatchResult _facts;

        public VmPatchRecord(SystemVm vm, string runId, string? toVersion, Action<string>? onStep)
        {
            _facts = LivePatchResult.For(vm, runId, toVersion);
            _onStep = onStep;
        }

        public int Batch { get; set; }

        /// <summary>What the VM itself said (its release, its signature); the API's record stands where it said nothing.</summary>
        public void Learn(string? fromVersion = null, string? fromSignature = null, string? toSignature = null, string? previousRun = null)
        {
            lock (_gate)
                _facts = _facts with
                {
                    FromVersion = fromVersion ?? _facts.FromVersion,
                    FromSignature = fromSignature ?? _facts.FromSignature,
                    ToSignature = toSignature ?? fromSignature ?? _facts.ToSignature,
                    PreviousRun = previousRun ?? _facts.PreviousRun,
                };
        }

        public string? FromSignature { get { lock (_gate) return _facts.FromSignature; } }

        public void Step(string text)
        {
            lock (_gate) _steps.Add(text);
            _onStep?.Invoke(text);
        }

        public void Warn(string text) { lock (_gate) _warnings.Add(text); }

        public void Resume() => _clock.Start();
        public void Pause() => _clock.Stop();

        public LivePatchResult End(PatchVerdict verdict) => Snapshot().With(verdict);

        /// <summary>The agent's outcome: its status, and its own step word when it failed.</summary>
        public LivePatchResult End(LivePatchStatus status, string? agentStep, string? error) =>
            Snapshot() with { Status = status, FailedStep = agentStep, Error = error };

        private LivePatchResult Snapshot()
        {
            lock (_gate)
                return _facts with { Duration = _clock.Elapsed, Steps = _steps.ToArray(), Warnings = _warnings.ToArray(), Batch = Batch };
        }
    }
}
