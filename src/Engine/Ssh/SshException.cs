using System;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>An SSH failure with its classified cause. The message never carries key material.</summary>
    public sealed class SshException : Exception, Errors.IHasRemedy
    {
        public SshErrorKind Kind { get; }
        /// <summary>The hop the failure is attributed to ("root@198.18.1.1:22").</summary>
        public string? Hop { get; }
        /// <summary>The setting that would fix it, when the message names one.</summary>
        public Errors.EngineOption? Remedy { get; init; }

        public SshException(SshErrorKind kind, string message, string? hop = null, Exception? inner = null) : base(message, inner)
        {
            Kind = kind;
            Hop = hop;
        }
    }
}
