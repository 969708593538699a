using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// Runs work over items in batches (live patch and restart share it): batches one after another, up to
    /// ThrottleLimit items at once inside a batch, a pause between batches, and a stop before the next batch
    /// once more than MaxFailures items failed. After cancellation no item starts; items already running are
    /// not interrupted by the executor (their work decides how to finish safely) and every item gets a result.
    /// </summary>
    public sealed class RollingExecutor<T, TResult>
    {
        private readonly Func<T, int, CancellationToken, Task<TResult>> _work;
        private readonly Func<TResult, bool> _isFailure;
        private readonly Func<T, int, string, TResult> _notStarted;

        /// <param name="work">Does one item (the int is its 1-based batch). It gets the rollout's token: it should
        /// stop early only where stopping leaves the item consistent.</param>
        /// <param name="isFailure">Whether a result counts towards MaxFailures and stops the rest of its group.</param>
        /// <param name="notStarted">The result for an item never started, with the reason.</param>
        public RollingExecutor(Func<T, int, CancellationToken, Task<TResult>> work, Func<TResult, bool> isFailure, Func<T, int, string, TResult> notStarted)
        {
            _work = work ?? throw new ArgumentNullException(nameof(work));
            _isFailure = isFailure ?? throw new ArgumentNullException(nameof(isFailure));
            _notStarted = notStarted ?? throw new ArgumentNullException(nameof(notStarted));
        }

        /// <summary>One result per item, in completion order; <paramref name="onResult"/> sees each as it completes. The work must not throw: it turns its failures into results.</summary>
        public async Task<IReadOnlyList<TResult>> RunAsync(IReadOnlyList<RolloutItem<T>> items, RolloutOptions options, Action<RolloutEvent>? onEvent, Action<TResult>? onResult, CancellationToken cancellationToken)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            var batches = BatchPlanner.Plan(items, options.BatchSize);
            int total = items.Count, completed = 0, failures = 0;
            var results = new List<TResult>();
            var failedGroups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var gate = new object();
            string? stopReason = null;

            void Raise(RolloutEvent e) { try { onEvent?.Invoke(e); } catch (Exception) { /* a listener's bug must not break the rollout */ } }
            void Record(TResult r, RolloutItem<T> item, int batch)
            {
                lock (gate)
                {
                    results.Add(r);
                    completed++;
                    if (_isFailure(r))
                    {
                        failures++;
                        if (item.GroupKey != null) failedGroups.Add(item.GroupKey);
                    }
                }
                try { onResult?.Invoke(r); } catch (Exception) { }
                Raise(new RolloutEvent(RolloutEventKind.ItemCompleted, batch, batches.Count, Volatile.Read(ref completed), total) { ItemName = item.Name });
            }

            for (int b = 0; b < batches.Count; b++)
            {
                int batchNumber = b + 1;
                if (stopReason == null && cancellationToken.IsCancellationRequested) stopReason = "cancelled";
                if (stopReason == null && options.MaxFailures is int max && failures > max)
                    stopReason = $"{failures} failure(s), more than MaxFailures {max}";
                if (stopReason == null && b > 0 && options.Delay > TimeSpan.Zero)
                {
                    try { await Task.Delay(options.Delay, cancellationToken).ConfigureAwait(false); }
                    catch (OperationCanceledException) { stopReason = "cancelled"; }
                }
                if (stopReason != null)
                {
                    Raise(new RolloutEvent(RolloutEventKind.Stopped, batchNumber, batches.Count, completed, total) { Message = stopReason });
                    foreach (var rest in batches.Skip(b).SelectMany(x => x))
                        Record(_notStarted(rest.Value, batchNumber, "not started: rollout stopped (" + stopReason + ")"), rest, batchNumber);
                    break;
                }

                var batch = batches[b];
                Raise(new RolloutEvent(RolloutEventKind.BatchStarted, batchNumber, batches.Count, completed, total) { Message = $"{batch.Count} item(s)" });
                using var throttle = new SemaphoreSlim(Math.Max(1, options.ThrottleLimit ?? batch.Count));
                var running = batch.Select(async item =>
                {
                    await throttle.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        string? skip = null;
                        if (cancellationToken.IsCancellationRequested) skip = "not started: cancelled";
                        else lock (gate)
                            if (item.GroupKey != null && failedGroups.Contains(item.GroupKey)) skip = "not started: its redundant partner failed earlier in this rollout";
                        if (skip != null) { Record(_notStarted(item.Value, batchNumber, skip), item, batchNumber); return; }

                        Raise(new RolloutEvent(RolloutEventKind.ItemStarted, batchNumber, batches.Count, Volatile.Read(ref completed), total) { ItemName = item.Name });
                        var result = await _work(item.Value, batchNumber, cancellationToken).ConfigureAwait(false);
                        Record(result, item, batchNumber);
                    }
                    finally { throttle.Release(); }
                }).ToList();
                await Task.WhenAll(running).ConfigureAwait(false);
                Raise(new RolloutEvent(RolloutEventKind.BatchCompleted, batchNumber, batches.Count, completed, total));
            }
            return results;
        }
    }
}
