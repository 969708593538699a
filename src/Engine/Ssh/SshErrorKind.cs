namespace SysVmPatch.Engine.Ssh
{
    /// <summary>Why an SSH connection or command did not work, in terms an operator can act on.</summary>
    public enum SshErrorKind
    {
        Unknown,
        /// <summary>The host key differs from known_hosts, or is not in it while checking is strict.</summary>
        HostKeyVerificationFailed,
        AuthenticationFailed,
        ConnectionRefused,
        ConnectionTimedOut,
        HostUnreachable,
        NameResolutionFailed,
        /// <summary>The jump host could not be reached, or it could not reach the VM.</summary>
        JumpHostFailed,
        /// <summary>The connection was established and then lost.</summary>
        ConnectionLost,
        /// <summary>The command ran longer than its timeout and was killed.</summary>
        CommandTimedOut,
        /// <summary>No ssh client was found.</summary>
        ClientMissing,
    }
}
