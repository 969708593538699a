namespace SysVmPatch.Engine.Errors
{
    /// <summary>
    /// A saved live-patch plan cannot be applied as it stands: the file is not a plan (malformed, truncated, an
    /// unknown format, a field edited into nonsense), or the world it was made for is gone (another management
    /// server, a changed bundle, a VM that does not exist). Raised before any VM is touched, so nothing is half-done.
    /// </summary>
    public sealed class PlanException : EngineException
    {
        private PlanException(string errorId, EngineErrorKind kind, string message) : base(errorId, kind, message) { }

        /// <summary>The file is not a plan this release can read; the message names the field or offset.</summary>
        public static PlanException Invalid(string message) => new PlanException("InvalidPlan", EngineErrorKind.InvalidArgument, message);

        /// <summary>The plan file cannot be read at all (missing, unreadable, too large to be a plan).</summary>
        public static PlanException Unreadable(string message) => new PlanException("PlanUnreadable", EngineErrorKind.ReadError, message);

        /// <summary>An option the plan fixed was given again when applying it.</summary>
        public static PlanException OptionConflict(string message) => new PlanException("PlanOptionConflict", EngineErrorKind.InvalidArgument, message);

        /// <summary>The plan was made against another management server than the connection of the same name.</summary>
        public static PlanException OtherServer(string message) => new PlanException("PlanForOtherServer", EngineErrorKind.InvalidArgument, message);

        /// <summary>The bundle no longer has the MD5s the plan was approved with.</summary>
        public static PlanException BundleChanged(string message) => new PlanException("PlanBundleChanged", EngineErrorKind.InvalidResult, message);

        /// <summary>The plan names a VM its management server does not have.</summary>
        public static PlanException VmNotFound(string message) => new PlanException("PlanVmNotFound", EngineErrorKind.NotFound, message);
    }
}
