namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// One SSH endpoint: a jump host or the target itself, each with its own user, port and key, because
    /// ProxyJump does not carry command-line options to the jump hop (the per-run ssh_config does). Every value
    /// is checked when set (<see cref="SshValues"/>), with or without <c>with</c>: a hop cannot hold a value that
    /// would change the ssh_config it is written to.
    /// </summary>
    public sealed record SshHop
    {
        private readonly string _host = "";
        private readonly int _port;
        private readonly string _user = "";
        private readonly string? _identityFile;

        public SshHop(string host, int port, string user)
        {
            Host = host;
            Port = port;
            User = user;
        }

        /// <summary>An IP address or a DNS host name.</summary>
        public string Host { get => _host; init => _host = SshValues.Host(value, "SSH host"); }
        public int Port { get => _port; init => _port = SshValues.Port(value, "SSH port"); }
        public string User { get => _user; init => _user = SshValues.User(value, "SSH user"); }

        /// <summary>Private key file for this hop; null: ssh's defaults.</summary>
        public string? IdentityFile { get => _identityFile; init => _identityFile = value is null ? null : SshValues.Path(value, "Key file"); }

        public override string ToString() => $"{User}@{Host}:{Port}";
    }
}
