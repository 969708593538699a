namespace SysVmPatch.Engine.Errors
{
    /// <summary>
    /// The engine's own settings a failure can point the operator to. A message describes the setting in the
    /// engine's words ("give a jump host"); the failure carries which setting it means (<see cref="IHasRemedy"/>),
    /// and the cmdlets name the parameter that sets it.
    /// </summary>
    public enum EngineOption
    {
        /// <summary>The host SSH jumps through to reach the VMs.</summary>
        JumpHost,
        /// <summary>The private key for the VMs (and hosts).</summary>
        KeyFile,
        /// <summary>The passphrase of a protected key.</summary>
        KeyPassphrase,
        /// <summary>The known_hosts file.</summary>
        KnownHostsFile,
        /// <summary>How long an SSH connection may take to open.</summary>
        ConnectTimeout,
        /// <summary>The OpenSSH transport instead of SSH.NET.</summary>
        OpenSshTransport,
        /// <summary>How long one API request may take (a connection's setting).</summary>
        RequestTimeout,
        /// <summary>Accepting any TLS certificate of a management server (a connection's setting).</summary>
        SkipCertificateCheck,
        /// <summary>Signing requests over plain http (a connection's setting).</summary>
        AllowUnencryptedAuthentication,
        /// <summary>A connection to a management server.</summary>
        Connection,
        /// <summary>Patching a VM the facts show current (or newer).</summary>
        Force,
    }

    /// <summary>A failure whose remedy is one of the engine's settings.</summary>
    public interface IHasRemedy
    {
        /// <summary>The setting to change, or null when the message names no remedy of that kind.</summary>
        EngineOption? Remedy { get; }
    }
}
