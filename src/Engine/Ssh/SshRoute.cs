using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// How to reach one VM: the target hop, the jump hops in order (empty for a direct connection), and the
    /// security settings that apply to every hop of the route.
    /// </summary>
    public sealed record SshRoute(SshHop Target)
    {
        /// <summary>Jump hosts, outermost first (ProxyJump order).</summary>
        public IReadOnlyList<SshHop> Jumps { get; init; } = Array.Empty<SshHop>();
        private readonly string? _knownHostsFile;

        /// <summary>known_hosts file for every hop; null: ssh's defaults (~/.ssh/known_hosts). Checked like every SSH path.</summary>
        public string? KnownHostsFile { get => _knownHostsFile; init => _knownHostsFile = value is null ? null : SshValues.Path(value, "The known_hosts file"); }
        /// <summary>Strict host key checking: on unless the run explicitly turns it off.</summary>
        public bool StrictHostKeyChecking { get; init; } = true;
        public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
        /// <summary>Operator's extra ssh_config options for every hop (-SshOption), already checked.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> ExtraOptions { get; init; } = Array.Empty<KeyValuePair<string, string>>();

        public override string ToString() => Jumps.Count == 0 ? Target.ToString() : $"{Target} via {string.Join(",", Jumps)}";
    }
}
