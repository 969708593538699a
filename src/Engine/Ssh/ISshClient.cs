using System;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>Opens SSH sessions to VMs. One client per run; it owns the run's temporary ssh_config and sockets.</summary>
    public interface ISshClient : IDisposable
    {
        /// <summary>TCP+SSH handshakes to targets so far (the benchmark's "one per VM" figure).</summary>
        int ConnectionsOpened { get; }
        /// <summary>Whether sessions share one connection per VM (OpenSSH ControlMaster; not on Windows).</summary>
        bool SharesConnections { get; }
        /// <summary>Connects (where connections are shared) and returns a session for commands to one VM.</summary>
        Task<ISshSession> OpenAsync(string vmName, SshRoute route, CancellationToken cancellationToken);

        /// <summary>
        /// Like <see cref="OpenAsync(string, SshRoute, CancellationToken)"/>, and runs <paramref name="openingCommand"/>
        /// as part of opening (on the shared connection's own session, saving a round trip): its output is in
        /// <see cref="ISshSession.OpeningOutput"/>. The command must not read stdin, and must not exit: it runs in the
        /// shell that then holds the shared connection open.
        /// </summary>
        Task<ISshSession> OpenAsync(string vmName, SshRoute route, string openingCommand, CancellationToken cancellationToken);
    }

    /// <summary>Commands to one VM over one route; <see cref="CloseAsync"/> (or disposing) closes the shared connection.</summary>
    public interface ISshSession : IDisposable
    {
        string VmName { get; }
        SshRoute Route { get; }
        /// <summary>The stdout of the opening command, when the session was opened with one.</summary>
        string? OpeningOutput { get; }
        /// <summary>
        /// Runs a command. Throws <see cref="SshException"/> when ssh itself fails (exit 255) or the timeout passes;
        /// throws OperationCanceledException when cancelled (the ssh process is killed).
        /// </summary>
        Task<SshCommandResult> RunAsync(SshCommand command, CancellationToken cancellationToken);

        /// <summary>
        /// Closes the shared connection and waits for it to end without holding a thread (Dispose blocks one while
        /// the remote side says goodbye, which adds up across hundreds of VMs). Disposing afterwards is harmless.
        /// </summary>
        Task CloseAsync();
    }
}
