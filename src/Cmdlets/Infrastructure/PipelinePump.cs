using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading.Tasks;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// Carries output from engine worker threads to the pipeline thread. PowerShell allows Write* and
    /// ShouldProcess only on the pipeline thread, so workers post actions here and the cmdlet runs them
    /// in order while it waits for the engine's task.
    /// </summary>
    internal sealed class PipelinePump : IDisposable
    {
        private readonly BlockingCollection<Action<Cmdlet>> _queue = new BlockingCollection<Action<Cmdlet>>();

        /// <summary>Queue an action to run on the pipeline thread. Safe from any thread; ignored after the drain ended.</summary>
        public void Post(Action<Cmdlet> action)
        {
            try { _queue.Add(action); }
            catch (InvalidOperationException) { /* drained and completed: the cmdlet has returned */ }
        }

        public void Verbose(string message) => Post(c => c.WriteVerbose(message));
        public void Warning(string message) => Post(c => c.WriteWarning(message));

        /// <summary>Runs queued actions on the calling (pipeline) thread until <paramref name="task"/> ends, then the rest.</summary>
        public void DrainUntil(Cmdlet cmdlet, Task task)
        {
            task.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var action in _queue.GetConsumingEnumerable()) action(cmdlet);
        }

        public void Dispose() => _queue.Dispose();
    }
}
