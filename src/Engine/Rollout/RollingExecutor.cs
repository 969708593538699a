using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// Runs two-phase work over items in batches (live patch and restart share it): batches one after another, up
    /// to ThrottleLimit items at once inside a batch, a pause between batches, and a stop before the next batch
    /// once more than MaxFailures items failed. Each item is prepared (a change-free first half: connect, read
    /// state), applied in its batch, or released when it will not run; the executor owns the prepared value
    /// between the two. With <see cref="Prepare"/>, slots the draining batch no longer fills prepare the next
    /// batch's items, so that batch starts with its connections open. After cancellation no item starts; items
    /// already running are not interrupted by the executor (their work decides how to finish safely). Every item
    /// gets exactly one result, recorded in one place (<see cref="Record"/>), whatever its work throws.
    /// </summary>
    public class RollingExecutor<T, TPrepared, TResult> where TPrepared : class
    {
        private readonly Func<T, TPrepared?, int, CancellationToken, Task<TResult>> _apply;
        private readonly Func<TResult, bool> _isFailure;
        private readonly Func<T, int, NotStarted, TResult> _notStarted;

        /// <param name="apply">Does one item in its (1-based) batch, given what was prepared ahead for it (null when
        /// nothing was: it prepares itself then). It gets the rollout's token: it should stop early only where
        /// stopping leaves the item consistent.</param>
        /// <param name="isFailure">Whether a result counts towards MaxFailures and stops the rest of its group.</param>
        /// <param name="notStarted">The result for an item never started, with the reason.</param>
        public RollingExecutor(Func<T, TPrepared?, int, CancellationToken, Task<TResult>> apply, Func<TResult, bool> isFailure, Func<T, int, NotStarted, TResult> notStarted)
        {
            _apply = apply ?? throw new ArgumentNullException(nameof(apply));
            _isFailure = isFailure ?? throw new ArgumentNullException(nameof(isFailure));
            _notStarted = notStarted ?? throw new ArgumentNullException(nameof(notStarted));
        }

        /// <summary>
        /// Optional: the first half of an item's work, which changes nothing, run early in a free slot while the
        /// previous batch drains. Batches keep their meaning, as no item is changed before its batch starts. Not
        /// used with a Delay between batches (connections would idle through it), nor once the rollout is stopping.
        /// </summary>
        public Func<T, CancellationToken, Task<TPrepared>>? Prepare { get; init; }

        /// <summary>Releases a prepared value whose item will not run after all, or whose work threw.</summary>
        public Func<TPrepared, Task>? Release { get; init; }

        /// <summary>
        /// The result of an item whose work threw: the one place an exception becomes a result, so the rollout
        /// goes on and the item is recorded. Without it an exception ends the rollout.
        /// </summary>
        public Func<T, int, Exception, TResult>? Crashed { get; init; }

        /// <summary>Records each result as it completes (the history), before it is reported; must not throw.</summary>
        public Action<TResult>? Record { get; init; }

        /// <summary>One result per item, in completion order; <paramref name="onResult"/> sees each as it completes.</summary>
        public Task<IReadOnlyList<TResult>> RunAsync(IReadOnlyList<RolloutItem<T>> items, RolloutOptions options, Action<RolloutEvent>? onEvent, Action<TResult>? onResult, CancellationToken cancellationToken)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            return RunAsync(BatchPlanner.Plan(items, options.BatchSize), Array.Empty<TResult>(), options, onEvent, onResult, cancellationToken);
        }

        /// <summary>
        /// Runs batches planned beforehand, keeping their numbers (a batch left empty, as when the operator declined
        /// its items, is passed over). <paramref name="decided"/> are results settled without running (planned
        /// skips): recorded and reported first, counted in neither progress nor failures.
        /// </summary>
        public async Task<IReadOnlyList<TResult>> RunAsync(IReadOnlyList<IReadOnlyList<RolloutItem<T>>> batches, IReadOnlyList<TResult> decided, RolloutOptions options,
            Action<RolloutEvent>? onEvent, Action<TResult>? onResult, CancellationToken cancellationToken)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            var run = new RolloutRun<T, TPrepared, TResult>(this, batches, options, onEvent, onResult, cancellationToken);
            foreach (var r in decided) run.Report(r);
            await run.RunAsync().ConfigureAwait(false);
            return run.Results;
        }

        internal Task<TResult> ApplyAsync(T item, TPrepared? prepared, int batch, CancellationToken ct) => _apply(item, prepared, batch, ct);
        internal bool IsFailure(TResult result) => _isFailure(result);
        internal TResult NotStartedResult(T item, int batch, NotStarted why) => _notStarted(item, batch, why);
    }
}
