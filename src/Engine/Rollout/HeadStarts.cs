using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// The prepared values of a rollout's items, owned by the executor: an item's head start is stored before its
    /// preparation begins, so the item's own turn always finds it (and waits for it) instead of preparing twice; a
    /// prepared item that never runs is released, and the rollout ends only after every release has.
    /// </summary>
    internal sealed class HeadStarts<T, TPrepared> where TPrepared : class
    {
        private readonly object _gate = new object();
        private readonly Dictionary<RolloutItem<T>, Task<TPrepared?>> _prepared = new Dictionary<RolloutItem<T>, Task<TPrepared?>>();
        private readonly HashSet<RolloutItem<T>> _begun = new HashSet<RolloutItem<T>>();
        private readonly List<Task> _releases = new List<Task>();
        private readonly Func<TPrepared, Task>? _release;

        public HeadStarts(Func<TPrepared, Task>? release) { _release = release; }

        /// <summary>Prepares <paramref name="item"/> ahead unless its turn has already begun. A failed preparation leaves nothing: the item's turn meets the same problem and reports it.</summary>
        public async Task PrepareAsync(RolloutItem<T> item, Func<T, CancellationToken, Task<TPrepared>> prepare, CancellationToken cancellationToken)
        {
            var slot = new TaskCompletionSource<TPrepared?>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_begun.Contains(item)) return;
                _prepared[item] = slot.Task;
            }
            try { slot.SetResult(await prepare(item.Value, cancellationToken).ConfigureAwait(false)); }
            catch (Exception) { slot.TrySetResult(null); }
        }

        /// <summary>The item's turn: from now on no head start begins for it; returns what was prepared, if anything.</summary>
        public Task<TPrepared?> Take(RolloutItem<T> item)
        {
            lock (_gate)
            {
                _begun.Add(item);
                if (_prepared.TryGetValue(item, out var task) && _prepared.Remove(item)) return task;
            }
            return Task.FromResult<TPrepared?>(null);
        }

        /// <summary>The item will not run (or its work failed): release what it holds once its preparation ends.</summary>
        public void Release(RolloutItem<T> item) => Release(Take(item));

        public void Release(Task<TPrepared?> prepared)
        {
            if (_release == null) return;
            var release = prepared.ContinueWith(async t =>
            {
                try { if (t.Result is TPrepared value) await _release(value).ConfigureAwait(false); }
                catch (Exception) { /* releasing is best effort */ }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
            lock (_gate) _releases.Add(release);
        }

        /// <summary>Waits for every release, so nothing prepared outlives the rollout.</summary>
        public Task DrainAsync()
        {
            lock (_gate) return Task.WhenAll(_releases.ToArray());
        }
    }
}
