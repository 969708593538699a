using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// Watches the thread pool from a thread of its own while the engine runs: how many threads it had, how long its
    /// queue was, and how long a work item queued every 100 ms waited before it ran. A pool whose threads are all
    /// blocked (SSH.NET's forward pumps, its synchronous waits) shows here as dispatch waits of hundreds of ms.
    /// </summary>
    public sealed class PoolSampler : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _stop = new ManualResetEventSlim();
        private readonly List<double> _waits = new List<double>();
        private int _maxThreads;
        private long _maxPending;

        public PoolSampler()
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "pool sampler" };
            _thread.Start();
        }

        private void Run()
        {
            while (!_stop.Wait(100))
            {
                _maxThreads = Math.Max(_maxThreads, ThreadPool.ThreadCount);
                _maxPending = Math.Max(_maxPending, ThreadPool.PendingWorkItemCount);
                long queued = Stopwatch.GetTimestamp();
                using var ran = new ManualResetEventSlim();
                ThreadPool.UnsafeQueueUserWorkItem(_ => ran.Set(), null);
                // Waits until it ran (or the run ends): a starved pool makes this sample long, which is the point.
                while (!ran.Wait(50)) if (_stop.IsSet) return;
                lock (_waits) _waits.Add(Stopwatch.GetElapsedTime(queued).TotalMilliseconds);
            }
        }

        public string Summary()
        {
            List<double> w;
            lock (_waits) w = _waits.OrderBy(x => x).ToList();
            ThreadPool.GetMinThreads(out int minWorkers, out _);
            if (w.Count == 0) return "thread pool: no samples";
            return FormattableString.Invariant(
                $"thread pool: min {minWorkers}, at most {_maxThreads} threads, at most {_maxPending} queued; a work item waited median {w[(w.Count - 1) / 2]:0} ms, p95 {w[Math.Max(0, (int)Math.Ceiling(0.95 * w.Count) - 1)]:0} ms, max {w[^1]:0} ms ({w.Count} samples, {w.Count(x => x > 250)} over 250 ms)");
        }

        public void Dispose()
        {
            _stop.Set();
            _thread.Join();
        }
    }
}
