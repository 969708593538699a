using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The base of every SysVmPatch cmdlet: owns the cancellation source that Ctrl+C (StopProcessing) trips,
    /// and bridges the engine's async work to the pipeline thread once, here.
    /// </summary>
    public abstract partial class SysVmPatchCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private bool _disposed;

        /// <summary>
        /// This runspace's connections, captured when PowerShell constructs the cmdlet on the pipeline thread (engine
        /// worker threads have no runspace of their own to look it up from).
        /// </summary>
        internal ConnectionRegistry Connections { get; } = RunspaceConnections.ForCurrentRunspace();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
        protected CancellationToken CancelToken => _stopping.Token;

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>
        /// The switch that lets this cmdlet run without asking, named when nobody can answer its prompt. A cmdlet whose
        /// -Force means "do not ask" (ShouldContinue) names -Force instead.
        /// </summary>
        protected virtual string RunsWithoutAskingSwitch => "-Confirm:$false";

        /// <summary>
        /// A state-changing cmdlet that would ask (-Confirm, or its ConfirmImpact at or above $ConfirmPreference) where
        /// nobody can answer ends here, before it reads any input or changes anything: an unattended run fails at once
        /// with the switch to add, instead of hanging on a prompt or failing halfway through a rollout.
        /// </summary>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (!WouldAskForConfirmation() || Unattended.WhyNobodyCanAnswer(Host) is not string why) return;
            string name = MyInvocation.MyCommand.Name;
            var record = ErrorRecords.Create(new PSInvalidOperationException(
                    $"{name} asks for confirmation before it changes anything, but nobody can answer it: {why}. Nothing was changed. " +
                    $"To run unattended add {RunsWithoutAskingSwitch}; -WhatIf shows what it would do."),
                "ConfirmationNotPossible", ErrorCategory.InvalidOperation, name);
            record.ErrorDetails = new ErrorDetails(record.Exception.Message) { RecommendedAction = $"Add {RunsWithoutAskingSwitch} to the {name} command." };
            ThrowTerminatingError(record);
        }

        /// <summary>Whether ShouldProcess would prompt, as PowerShell decides it: -WhatIf never asks, -Confirm decides when given, else $ConfirmPreference against ConfirmImpact.</summary>
        private bool WouldAskForConfirmation()
        {
            if (!(Attribute.GetCustomAttribute(GetType(), typeof(CmdletAttribute)) is CmdletAttribute cmdlet) || !cmdlet.SupportsShouldProcess) return false;
            if (WhatIfRequested()) return false;
            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm)) return IsOn(confirm);
            ConfirmImpact preference;
            try { preference = LanguagePrimitives.ConvertTo<ConfirmImpact>(SessionState.PSVariable.GetValue("ConfirmPreference", ConfirmImpact.High)); }
            catch (PSInvalidCastException) { preference = ConfirmImpact.High; }
            return preference != ConfirmImpact.None && cmdlet.ConfirmImpact != ConfirmImpact.None && cmdlet.ConfirmImpact >= preference;
        }

        /// <summary>-WhatIf given, or $WhatIfPreference on in the caller's scope.</summary>
        internal bool WhatIfRequested()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return IsOn(bound);
            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference", false));
        }

        private static bool IsOn(object? bound) => bound is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(bound);

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
            WriteError(ErrorRecords.Create(exception, errorId, category, target));

        /// <summary>Writes the ErrorRecord of a typed engine failure (its own id and kind).</summary>
        protected void WriteEngineError(Engine.Errors.EngineException exception, object? target = null) =>
            WriteError(ErrorRecords.From(exception, target));

        /// <summary>A terminating error with a stable id, for when nothing can go on.</summary>
        protected void Fail(Exception exception, string errorId, ErrorCategory category, object? target) =>
            ThrowTerminatingError(ErrorRecords.Create(exception, errorId, category, target));

        /// <summary>A terminating error from a typed engine failure.</summary>
        protected void Fail(Engine.Errors.EngineException exception, object? target) =>
            ThrowTerminatingError(ErrorRecords.From(exception, target));

        /// <summary>
        /// The engine's filter for a wildcard parameter's values (null when not given); a pattern PowerShell cannot
        /// read ends the cmdlet with <paramref name="errorId"/> (InvalidArgument), naming the parameter.
        /// </summary>
        internal Func<string, bool>? Wildcards(string[]? patterns, string parameter, string errorId = "InvalidWildcardPattern")
        {
            try { return NameFilter.From(patterns, parameter); }
            catch (InvalidWildcardException e) { Fail(e, errorId, ErrorCategory.InvalidArgument, e.Pattern); throw; }
        }

        /// <summary>Every warning of a SysVmPatch cmdlet goes through the engine's sanitizer: names and errors come from outside.</summary>
        protected new void WriteWarning(string text) => base.WriteWarning(ConsoleText.Sanitize(text));

        /// <summary>Every verbose line of a SysVmPatch cmdlet goes through the engine's sanitizer.</summary>
        protected new void WriteVerbose(string text) => base.WriteVerbose(ConsoleText.Sanitize(text));

        /// <summary>What -WhatIf prints and -Confirm asks names VMs and quotes what they say: sanitized like any console text.</summary>
        protected new bool ShouldProcess(string target, string action) => base.ShouldProcess(ConsoleText.Sanitize(target), ConsoleText.Sanitize(action));

        /// <summary>The multi-line form (a whole plan): each line sanitized, the line breaks kept.</summary>
        protected new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption) =>
            base.ShouldProcess(ConsoleText.SanitizeLines(verboseDescription), ConsoleText.SanitizeLines(verboseWarning), ConsoleText.Sanitize(caption));

        /// <summary>Every progress record too: its activity and status name VMs and carry API values and VM output.</summary>
        protected new void WriteProgress(ProgressRecord record) => base.WriteProgress(CleanProgress(record));

        /// <summary>The record with its activity, status and current operation passed through the sanitizer.</summary>
        internal static ProgressRecord CleanProgress(ProgressRecord record)
        {
            // ProgressRecord refuses an empty activity or status: text that was nothing but escapes becomes "-".
            static string Clean(string text) { string clean = ConsoleText.Sanitize(text, 300); return clean.Length == 0 ? "-" : clean; }
            record.Activity = Clean(record.Activity);
            record.StatusDescription = Clean(record.StatusDescription);
            if (record.CurrentOperation != null) record.CurrentOperation = ConsoleText.Sanitize(record.CurrentOperation, 300);
            return record;
        }

        /// <summary>Frees what a cmdlet holds for its whole run (an SSH client); PowerShell disposes every cmdlet, stopped or not.</summary>
        protected virtual void ReleaseResources() { }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            ReleaseResources();
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
