using System;
using System.Security;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>Run-wide settings of the SSH.NET transport that routes do not carry.</summary>
    public sealed record SshNetClientOptions
    {
        /// <summary>Passphrase of encrypted key files; never logged, never in an exception.</summary>
        public SecureString? KeyPassphrase { get; init; }
        /// <summary>Loud notices (an unknown host key accepted because strict checking is off).</summary>
        public Action<string>? Warn { get; init; }
        /// <summary>VMs worked on at once: sizes the thread pool, since SSH.NET's forwards block a thread each.</summary>
        public int Parallelism { get; init; } = 16;
        /// <summary>
        /// Raise the thread pool's minimum with the VMs connected at once (see SshNetClient). False leaves the pool to
        /// a host that sizes it itself, and lets the benchmark show what the sizing is worth.
        /// </summary>
        public bool SizeThreadPool { get; init; } = true;
    }
}
