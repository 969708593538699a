using System;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// The rolling executor for work in one phase: the item itself stands for what was prepared, and the head start
    /// is only a side effect (<see cref="PrepareAhead"/>) that the work finds on its own.
    /// </summary>
    public sealed class RollingExecutor<T, TResult> : RollingExecutor<T, RollingExecutor<T, TResult>.Prepared, TResult>
    {
        /// <summary>An item whose head start ran.</summary>
        public sealed class Prepared
        {
            public Prepared(T item) { Item = item; }
            public T Item { get; }
        }

        /// <param name="work">Does one item (the int is its 1-based batch).</param>
        /// <param name="isFailure">Whether a result counts towards MaxFailures and stops the rest of its group.</param>
        /// <param name="notStarted">The result for an item never started, with the reason's sentence.</param>
        public RollingExecutor(Func<T, int, CancellationToken, Task<TResult>> work, Func<TResult, bool> isFailure, Func<T, int, string, TResult> notStarted)
            : base((item, _, batch, ct) => work(item, batch, ct), isFailure, (item, batch, why) => notStarted(item, batch, why.Message))
        {
            if (work == null) throw new ArgumentNullException(nameof(work));
            if (notStarted == null) throw new ArgumentNullException(nameof(notStarted));
        }

        /// <summary>Optional change-free work for an item of the next batch, run early in a free slot.</summary>
        public Func<T, CancellationToken, Task>? PrepareAhead
        {
            get => _prepareAhead;
            init
            {
                _prepareAhead = value;
                Prepare = value == null ? null : async (item, ct) => { await value(item, ct).ConfigureAwait(false); return new Prepared(item); };
            }
        }
        private readonly Func<T, CancellationToken, Task>? _prepareAhead;

        /// <summary>Releases what <see cref="PrepareAhead"/> holds for an item that will not run after all.</summary>
        public Action<T>? ReleasePrepared
        {
            get => _releasePrepared;
            init
            {
                _releasePrepared = value;
                Release = value == null ? null : p => { value(p.Item); return Task.CompletedTask; };
            }
        }
        private readonly Action<T>? _releasePrepared;
    }
}
