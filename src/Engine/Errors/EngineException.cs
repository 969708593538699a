using System;

namespace SysVmPatch.Engine.Errors
{
    /// <summary>What kind of failure an engine error is; the cmdlets map it to PowerShell's ErrorCategory.</summary>
    public enum EngineErrorKind
    {
        InvalidArgument,
        NotFound,
        ConnectionError,
        ReadError,
        InvalidResult,
        OperationStopped,
        OperationTimeout,
        /// <summary>A security check refused to go on (a host key not known or changed, a key refused).</summary>
        SecurityError,
        /// <summary>The object exists but is not in a state to be used (a stopped VM).</summary>
        ResourceUnavailable,
    }

    /// <summary>
    /// An engine failure that carries its own stable error id and kind (as Restart-Computer's timeout exception
    /// carries its id), so the cmdlets turn every one into an ErrorRecord in one place, without matching on types
    /// or parsing messages. Messages speak of the engine's own terms; the cmdlets add their parameters' words.
    /// </summary>
    public abstract class EngineException : Exception
    {
        protected EngineException(string errorId, EngineErrorKind kind, string message, Exception? inner = null) : base(message, inner)
        {
            ErrorId = errorId;
            Kind = kind;
        }

        /// <summary>PascalCase, stable across releases: scripts match on it.</summary>
        public string ErrorId { get; }
        public EngineErrorKind Kind { get; }
    }

    /// <summary>The target version cannot be told: the VMs' servers are on different versions, or not connected.</summary>
    public sealed class TargetVersionException : EngineException
    {
        public TargetVersionException(string errorId, string message) : base(errorId, EngineErrorKind.InvalidArgument, message) { }

        /// <summary>The VMs come from servers on different versions and none was named.</summary>
        public static TargetVersionException Ambiguous(string message) => new TargetVersionException("AmbiguousTargetVersion", message);

        /// <summary>No server to ask and no version or bundle named.</summary>
        public static TargetVersionException Unavailable(string message) => new TargetVersionException("TargetVersionUnavailable", message);
    }

    /// <summary>
    /// One VM's rollout ended badly (the result says how); written as a non-terminating error with the result as
    /// its target, next to the result itself.
    /// </summary>
    public sealed class VmFailedException : EngineException, IHasRemedy
    {
        public VmFailedException(string errorId, EngineErrorKind kind, string message, object result) : base(errorId, kind, message)
        {
            Result = result;
        }

        /// <summary>The VM's result (LivePatchResult, RestartResult).</summary>
        public object Result { get; }

        /// <summary>The setting that would fix the failure, when the result's error names one.</summary>
        public EngineOption? Remedy { get; init; }
    }
}
