using System;
using System.Management.Automation;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The one place engine failures become ErrorRecords: a typed engine exception brings its own id and kind, and
    /// here it gets PowerShell's category and, where the engine spoke of its own options, the cmdlet's words for them.
    /// </summary>
    internal static class ErrorRecords
    {
        /// <summary>An engine exception that carries its id; <paramref name="target"/> is what it concerns.</summary>
        public static ErrorRecord From(EngineException e, object? target)
        {
            var record = Clean(new ErrorRecord(e, e.ErrorId, Category(e.Kind), e is VmFailedException vm ? vm.Result : target));
            if (Advice(e.ErrorId) is string advice) record.ErrorDetails = new ErrorDetails(record.ErrorDetails?.Message ?? ConsoleText.Sanitize(e.Message)) { RecommendedAction = advice };
            return record;
        }

        /// <summary>Any other exception, with the id and category the calling cmdlet gives it.</summary>
        public static ErrorRecord Create(Exception e, string errorId, ErrorCategory category, object? target) =>
            Clean(new ErrorRecord(e, errorId, category, target));

        // The console shows ErrorDetails when set: the message cleaned of escape sequences and control characters,
        // since engine messages quote VM output, ssh's stderr and API text, and, where the engine named one of its
        // settings as the remedy, the parameter that sets it. The exception stays as thrown.
        private static ErrorRecord Clean(ErrorRecord record)
        {
            string message = record.Exception.Message;
            var remedy = (record.Exception as IHasRemedy)?.Remedy;
            string clean = ParameterNames.WithAdvice(ConsoleText.Sanitize(message), remedy);
            if (!string.Equals(clean, message, StringComparison.Ordinal))
                record.ErrorDetails = new ErrorDetails(clean) { RecommendedAction = remedy is null ? null : ParameterNames.Advice(remedy) };
            return record;
        }

        private static ErrorCategory Category(EngineErrorKind kind) => kind switch
        {
            EngineErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            EngineErrorKind.NotFound => ErrorCategory.ObjectNotFound,
            EngineErrorKind.ConnectionError => ErrorCategory.ConnectionError,
            EngineErrorKind.ReadError => ErrorCategory.ReadError,
            EngineErrorKind.OperationStopped => ErrorCategory.OperationStopped,
            EngineErrorKind.OperationTimeout => ErrorCategory.OperationTimeout,
            EngineErrorKind.SecurityError => ErrorCategory.SecurityError,
            EngineErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
            _ => ErrorCategory.InvalidResult,
        };

        // The engine says "name the target version"; the operator types a parameter.
        private static string? Advice(string errorId) => errorId switch
        {
            "AmbiguousTargetVersion" => "Give -TargetVersion, or patch the VMs of each management server in their own run.",
            "TargetVersionUnavailable" => "Connect-SysVmCloud to the VM's management server, or give -TargetVersion or -BundlePath.",
            _ => null,
        };
    }
}
