using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

using SysVmPatch.Engine.Text;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The base of every SysVmPatch cmdlet: owns the cancellation source that Ctrl+C (StopProcessing) trips,
    /// and bridges the engine's async work to the pipeline thread once, here.
    /// </summary>
    public abstract class SysVmPatchCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private bool _disposed;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// Runs engine work on the thread pool while this (pipeline) thread writes what the work posts to the
        /// pump; returns the result, or throws the engine's exception unwrapped.
        /// </summary>
        internal T RunEngine<T>(Func<PipelinePump, CancellationToken, Task<T>> work)
        {
            using var pump = new PipelinePump();
            var task = Task.Run(() => work(pump, CancelToken));
            pump.DrainUntil(this, task);
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Writes an ErrorRecord with a stable id, a real category and the target it concerns.</summary>
        protected void WriteEngineError(Exception exception, string errorId, ErrorCategory category, object? target) =>
            WriteError(Record(exception, errorId, category, target));

        /// <summary>Every warning of a SysVmPatch cmdlet goes through the engine's sanitizer: names and errors come from outside.</summary>
        protected new void WriteWarning(string text) => base.WriteWarning(ConsoleText.Sanitize(text));

        /// <summary>Every verbose line of a SysVmPatch cmdlet goes through the engine's sanitizer.</summary>
        protected new void WriteVerbose(string text) => base.WriteVerbose(ConsoleText.Sanitize(text));

        // The console shows ErrorDetails when set: the message cleaned of escape sequences and control characters,
        // since engine messages quote VM output, ssh's stderr and API text. The exception stays as thrown.
        private static ErrorRecord Record(Exception exception, string errorId, ErrorCategory category, object? target)
        {
            var record = new ErrorRecord(exception, errorId, category, target);
            string clean = ConsoleText.Sanitize(exception.Message);
            if (!string.Equals(clean, exception.Message, StringComparison.Ordinal)) record.ErrorDetails = new ErrorDetails(clean);
            return record;
        }

        /// <summary>A terminating error with a stable id, for when nothing can go on.</summary>
        protected void Fail(Exception exception, string errorId, ErrorCategory category, object? target) =>
            ThrowTerminatingError(Record(exception, errorId, category, target));

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
