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
    /// With <see cref="PrepareAhead"/>, slots the draining batch no longer fills give the next batch's items
    /// their change-free first half (connect, read state), so that batch starts with its connections open.
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

        /// <summary>
        /// Optional: work for an item of the next batch that changes nothing (connecting, reading its state), run
        /// early in a free slot while the current batch drains. Batches keep their meaning, as no item is changed
        /// before its batch starts; the item's own work finds what was prepared. Not used with a Delay between
        /// batches (connections would idle through it), nor once the rollout is stopping.
        /// </summary>
        public Func<T, CancellationToken, Task>? PrepareAhead { get; init; }

        /// <summary>Releases what <see cref="PrepareAhead"/> holds for an item that will not run after all.</summary>
        public Action<T>? ReleasePrepared { get; init; }

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

            // One throttle for the whole rollout: a batch's items queue first (the semaphore serves waiters in
            // order), so preparing the next batch only ever takes slots the current one no longer needs.
            int slots = Math.Max(1, options.ThrottleLimit ?? batches.Select(x => x.Count).DefaultIfEmpty(1).Max());
            using var throttle = new SemaphoreSlim(slots);
            // Items whose PrepareAhead was called; the task completes once that call has returned, so an item's work
            // never starts while its head start is still being handed over (no second preparation, nothing leaked).
            var prepared = new Dictionary<RolloutItem<T>, Task>();
            var begun = new HashSet<RolloutItem<T>>();
            var releases = new List<Task>();
            bool Stopping()
            {
                lock (gate) return cancellationToken.IsCancellationRequested || (options.MaxFailures is int m && failures > m);
            }
            void NotStarted(RolloutItem<T> item, int batch, string why)
            {
                Task? handedOver;
                lock (gate)
                {
                    begun.Add(item);
                    prepared.TryGetValue(item, out handedOver);
                    prepared.Remove(item);
                }
                if (handedOver != null)
                {
                    var release = handedOver.ContinueWith(_ => { try { ReleasePrepared?.Invoke(item.Value); } catch (Exception) { /* releasing is best effort */ } },
                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    lock (gate) releases.Add(release);
                }
                Record(_notStarted(item.Value, batch, why), item, batch);
            }
            Task preparing = Task.CompletedTask;

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
                    await preparing.ConfigureAwait(false);
                    Raise(new RolloutEvent(RolloutEventKind.Stopped, batchNumber, batches.Count, completed, total) { Message = stopReason });
                    foreach (var rest in batches.Skip(b).SelectMany(x => x))
                        NotStarted(rest, batchNumber, "not started: rollout stopped (" + stopReason + ")");
                    break;
                }

                var batch = batches[b];
                Raise(new RolloutEvent(RolloutEventKind.BatchStarted, batchNumber, batches.Count, completed, total) { Message = $"{batch.Count} item(s)" });
                var running = batch.Select(async item =>
                {
                    await throttle.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        string? skip = null;
                        if (cancellationToken.IsCancellationRequested) skip = "not started: cancelled";
                        else lock (gate)
                            if (item.GroupKey != null && failedGroups.Contains(item.GroupKey)) skip = "not started: its redundant partner failed earlier in this rollout";
                        if (skip != null) { NotStarted(item, batchNumber, skip); return; }

                        Task? handedOver;
                        lock (gate)
                        {
                            begun.Add(item);
                            prepared.TryGetValue(item, out handedOver);
                            prepared.Remove(item);
                        }
                        if (handedOver != null) await handedOver.ConfigureAwait(false);
                        Raise(new RolloutEvent(RolloutEventKind.ItemStarted, batchNumber, batches.Count, Volatile.Read(ref completed), total) { ItemName = item.Name });
                        var result = await _work(item.Value, batchNumber, cancellationToken).ConfigureAwait(false);
                        Record(result, item, batchNumber);
                    }
                    finally { throttle.Release(); }
                }).ToList();

                // Items of the previous batch's head start that are still connecting hold their slots; this batch's
                // items wait for them like for any other slot.
                await preparing.ConfigureAwait(false);
                using var batchDone = new CancellationTokenSource();
                if (PrepareAhead != null && b + 1 < batches.Count && options.Delay <= TimeSpan.Zero)
                    preparing = PrepareAheadAsync(batches[b + 1], throttle, prepared, begun, gate, Stopping, batchDone.Token, cancellationToken);
                await Task.WhenAll(running).ConfigureAwait(false);
                // A head start not begun by now is not one: the next batch's items take those slots themselves.
                batchDone.Cancel();
                Raise(new RolloutEvent(RolloutEventKind.BatchCompleted, batchNumber, batches.Count, completed, total));
            }
            await preparing.ConfigureAwait(false);
            Task[] pending;
            lock (gate) pending = releases.ToArray();
            await Task.WhenAll(pending).ConfigureAwait(false);
            return results;
        }

        private async Task PrepareAheadAsync(IReadOnlyList<RolloutItem<T>> next, SemaphoreSlim throttle, Dictionary<RolloutItem<T>, Task> prepared, HashSet<RolloutItem<T>> begun, object gate,
            Func<bool> stopping, CancellationToken batchDone, CancellationToken cancellationToken)
        {
            var work = next.Select(async item =>
            {
                try { await throttle.WaitAsync(batchDone).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                try
                {
                    if (stopping() || batchDone.IsCancellationRequested) return;
                    var handedOver = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    lock (gate)
                    {
                        if (begun.Contains(item)) return;
                        prepared[item] = handedOver.Task;
                    }
                    Task preparation;
                    try { preparation = PrepareAhead!(item.Value, cancellationToken); }
                    finally { handedOver.SetResult(true); }
                    await preparation.ConfigureAwait(false);
                }
                catch (Exception) { /* the item's own work meets the same problem and reports it */ }
                finally { throttle.Release(); }
            }).ToList();
            await Task.WhenAll(work).ConfigureAwait(false);
        }
    }
}
