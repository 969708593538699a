using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>One run of a <see cref="RollingExecutor{T, TPrepared, TResult}"/>: its batches, counters and results.</summary>
    internal sealed class RolloutRun<T, TPrepared, TResult> where TPrepared : class
    {
        private readonly RollingExecutor<T, TPrepared, TResult> _executor;
        private readonly IReadOnlyList<IReadOnlyList<RolloutItem<T>>> _batches;
        private readonly RolloutOptions _options;
        private readonly Action<RolloutEvent>? _onEvent;
        private readonly Action<TResult>? _onResult;
        private readonly CancellationToken _cancellationToken;
        private readonly HeadStarts<T, TPrepared> _headStarts;
        private readonly List<TResult> _results = new List<TResult>();
        private readonly HashSet<string> _failedGroups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly object _gate = new object();
        private readonly int _total;
        private int _completed, _failures;

        public RolloutRun(RollingExecutor<T, TPrepared, TResult> executor, IReadOnlyList<IReadOnlyList<RolloutItem<T>>> batches, RolloutOptions options,
            Action<RolloutEvent>? onEvent, Action<TResult>? onResult, CancellationToken cancellationToken)
        {
            _executor = executor;
            _batches = batches;
            _options = options;
            _onEvent = onEvent;
            _onResult = onResult;
            _cancellationToken = cancellationToken;
            _headStarts = new HeadStarts<T, TPrepared>(executor.Release);
            _total = batches.Sum(b => b.Count);
        }

        public IReadOnlyList<TResult> Results { get { lock (_gate) return _results.ToList(); } }

        private void Raise(RolloutEvent e) { try { _onEvent?.Invoke(e); } catch (Exception) { /* a listener's bug must not break the rollout */ } }

        /// <summary>Records a result and reports it: the one place every result passes.</summary>
        public void Report(TResult r)
        {
            lock (_gate) _results.Add(r);
            try { _executor.Record?.Invoke(r); } catch (Exception) { /* recording reports its own failures */ }
            try { _onResult?.Invoke(r); } catch (Exception) { }
        }

        private void Completed(TResult r, RolloutItem<T> item, int batch)
        {
            lock (_gate)
            {
                _completed++;
                if (_executor.IsFailure(r))
                {
                    _failures++;
                    if (item.GroupKey != null) _failedGroups.Add(item.GroupKey);
                }
            }
            Report(r);
            Raise(new RolloutEvent(RolloutEventKind.ItemCompleted, batch, _batches.Count, Volatile.Read(ref _completed), _total) { ItemName = item.Name });
        }

        private void NotStarted(RolloutItem<T> item, int batch, NotStartedReason reason, string why)
        {
            _headStarts.Release(item);
            Completed(_executor.NotStartedResult(item.Value, batch, new NotStarted(reason, why)), item, batch);
        }

        private bool Stopping()
        {
            lock (_gate) return _cancellationToken.IsCancellationRequested || (_options.MaxFailures is int m && _failures > m);
        }

        public async Task RunAsync()
        {
            // One throttle for the whole rollout: a batch's items queue first (the semaphore serves waiters in
            // order), so preparing the next batch only ever takes slots the current one no longer needs.
            int slots = Math.Max(1, _options.ThrottleLimit ?? _batches.Select(x => x.Count).DefaultIfEmpty(1).Max());
            using var throttle = new SemaphoreSlim(slots);
            Task preparing = Task.CompletedTask;
            (NotStartedReason Reason, string Text)? stop = null;
            bool first = true;

            for (int b = 0; b < _batches.Count; b++)
            {
                int batchNumber = b + 1;
                var batch = _batches[b];
                if (batch.Count == 0) continue; // every item declined: the batch keeps its number, and nothing runs
                if (stop == null && _cancellationToken.IsCancellationRequested) stop = (NotStartedReason.Cancelled, "cancelled");
                if (stop == null && _options.MaxFailures is int max && _failures > max)
                    stop = (NotStartedReason.Stopped, $"{_failures} failure(s), more than MaxFailures {max}");
                if (stop == null && !first && _options.Delay > TimeSpan.Zero)
                {
                    try { await Task.Delay(_options.Delay, _cancellationToken).ConfigureAwait(false); }
                    catch (OperationCanceledException) { stop = (NotStartedReason.Cancelled, "cancelled"); }
                }
                first = false;
                if (stop is var (reason, text))
                {
                    await preparing.ConfigureAwait(false);
                    Raise(new RolloutEvent(RolloutEventKind.Stopped, batchNumber, _batches.Count, _completed, _total) { Message = text });
                    foreach (var rest in _batches.Skip(b).SelectMany(x => x))
                        NotStarted(rest, batchNumber, reason, "not started: rollout stopped (" + text + ")");
                    break;
                }

                Raise(new RolloutEvent(RolloutEventKind.BatchStarted, batchNumber, _batches.Count, _completed, _total) { Message = $"{batch.Count} item(s)" });
                var running = batch.Select(item => RunItemAsync(item, batchNumber, throttle)).ToList();

                // Items of the previous batch's head start that are still connecting hold their slots; this batch's
                // items wait for them like for any other slot.
                await preparing.ConfigureAwait(false);
                using var batchDone = new CancellationTokenSource();
                int next = b + 1;
                while (next < _batches.Count && _batches[next].Count == 0) next++;
                if (_executor.Prepare != null && next < _batches.Count && _options.Delay <= TimeSpan.Zero)
                    preparing = PrepareAheadAsync(_batches[next], throttle, batchDone.Token);
                await Task.WhenAll(running).ConfigureAwait(false);
                // A head start not begun by now is not one: the next batch's items take those slots themselves.
                batchDone.Cancel();
                Raise(new RolloutEvent(RolloutEventKind.BatchCompleted, batchNumber, _batches.Count, _completed, _total));
            }
            await preparing.ConfigureAwait(false);
            await _headStarts.DrainAsync().ConfigureAwait(false);
        }

        private async Task RunItemAsync(RolloutItem<T> item, int batchNumber, SemaphoreSlim throttle)
        {
            await throttle.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_cancellationToken.IsCancellationRequested) { NotStarted(item, batchNumber, NotStartedReason.Cancelled, "not started: cancelled"); return; }
                bool partnerFailed;
                lock (_gate) partnerFailed = item.GroupKey != null && _failedGroups.Contains(item.GroupKey);
                if (partnerFailed) { NotStarted(item, batchNumber, NotStartedReason.PartnerFailed, "not started: its redundant partner failed earlier in this rollout"); return; }

                var headStart = _headStarts.Take(item);
                var prepared = await headStart.ConfigureAwait(false);
                Raise(new RolloutEvent(RolloutEventKind.ItemStarted, batchNumber, _batches.Count, Volatile.Read(ref _completed), _total) { ItemName = item.Name });
                TResult result;
                try { result = await _executor.ApplyAsync(item.Value, prepared, batchNumber, _cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (_executor.Crashed != null && !(e is OutOfMemoryException))
                {
                    // What the work held is let go; the item still gets its result and the rollout goes on.
                    _headStarts.Release(headStart);
                    result = _executor.Crashed(item.Value, batchNumber, e);
                }
                Completed(result, item, batchNumber);
            }
            finally { throttle.Release(); }
        }

        private async Task PrepareAheadAsync(IReadOnlyList<RolloutItem<T>> next, SemaphoreSlim throttle, CancellationToken batchDone)
        {
            var work = next.Select(async item =>
            {
                try { await throttle.WaitAsync(batchDone).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                try
                {
                    if (Stopping() || batchDone.IsCancellationRequested) return;
                    await _headStarts.PrepareAsync(item, _executor.Prepare!, _cancellationToken).ConfigureAwait(false);
                }
                finally { throttle.Release(); }
            }).ToList();
            await Task.WhenAll(work).ConfigureAwait(false);
        }
    }
}
