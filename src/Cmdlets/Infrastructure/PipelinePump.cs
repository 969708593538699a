using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading.Tasks;

using SysVmPatch.Engine.Text;

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

        // Lines often carry text from VMs, ssh and the API: cleaned of escape sequences and control characters.
        public void Verbose(string message) => Post(c => c.WriteVerbose(ConsoleText.Sanitize(message)));
        public void Warning(string message) => Post(c => c.WriteWarning(ConsoleText.Sanitize(message)));
        public void Progress(ProgressRecord record) => Post(c => c.WriteProgress(SysVmPatchCmdlet.CleanProgress(record)));

        /// <summary>
        /// Runs queued actions on the calling (pipeline) thread until <paramref name="task"/> ends, then the rest.
        /// When the pipeline is stopped (Ctrl+C) writes start to throw; the engine's task, already cancelled, is
        /// still waited for, so VMs in flight finish or roll back and their history is written before we return.
        /// </summary>
        public void DrainUntil(Cmdlet cmdlet, Task task)
        {
            task.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
            PipelineStoppedException? stopped = null;
            foreach (var action in _queue.GetConsumingEnumerable())
            {
                if (stopped != null) continue;
                try { action(cmdlet); }
                catch (PipelineStoppedException e) { stopped = e; }
            }
            if (stopped != null) throw stopped;
        }

        public void Dispose() => _queue.Dispose();
    }
}
