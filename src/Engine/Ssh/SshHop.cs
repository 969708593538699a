namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// One SSH endpoint: a jump host or the target itself, each with its own user, port and key, because
    /// ProxyJump does not carry command-line options to the jump hop (the per-run ssh_config does).
    /// </summary>
    public sealed record SshHop(string Host, int Port, string User)
    {
        /// <summary>Private key file for this hop; null: ssh's defaults.</summary>
        public string? IdentityFile { get; init; }

        public override string ToString() => $"{User}@{Host}:{Port}";
    }
}
