using System;

namespace Renci.SshNet
{
    /// <summary>
    /// Not SSH.NET's SshClient: no ConnectionInfo constructor, no channels. An engine bound to this assembly fails
    /// (missing types and methods), and a session that asks which SshClient it has can tell this one by
    /// <see cref="StandIn"/>.
    /// </summary>
    public class SshClient : IDisposable
    {
        /// <summary>What a script checks to know it got the stand-in.</summary>
        public const string StandIn = "older Renci.SshNet stand-in";

        public SshClient(string host, string username) { Host = host; Username = username; }

        public string Host { get; }
        public string Username { get; }

        public void Connect() => throw new NotSupportedException(StandIn + ": connects nowhere");

        public void Dispose() { }
    }
}
