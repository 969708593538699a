using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// The OpenSSH command-line client as the transport: one private temp directory per run holding an
    /// ssh_config per VM and the control sockets. Where OpenSSH supports it, each VM gets one master connection
    /// that every command of the patch shares; on Windows every command is its own connection.
    /// </summary>
    public sealed class OpenSshClient : ISshClient
    {
        private readonly PrivateTempDirectory _dir = new PrivateTempDirectory();
        private int _sessionNumber;
        private int _connections;

        public OpenSshClient(bool? shareConnections = null, string? sshPath = null)
        {
            SshPath = sshPath ?? SshExecutable.Find();
            SharesConnections = shareConnections ?? !SshExecutable.IsWindows;
        }

        public string SshPath { get; }
        public bool SharesConnections { get; }
        public int ConnectionsOpened => Volatile.Read(ref _connections);
        /// <summary>Where the run's ssh_config files live (for diagnostics; they hold paths, never keys).</summary>
        public string WorkDirectory => _dir.Path;

        internal void CountConnection() => Interlocked.Increment(ref _connections);

        public Task<ISshSession> OpenAsync(string vmName, SshRoute route, CancellationToken cancellationToken) =>
            OpenAsync(vmName, route, null, cancellationToken);

        public async Task<ISshSession> OpenAsync(string vmName, SshRoute route, string? openingCommand, CancellationToken cancellationToken)
        {
            if (route == null) throw new ArgumentNullException(nameof(route));
            int number = Interlocked.Increment(ref _sessionNumber);
            string alias = SshConfigWriter.AliasFor(vmName, number);
            string? controlPath = SharesConnections ? Path.Combine(_dir.Path, "c" + number) : null;
            string configPath = Path.Combine(_dir.Path, "cfg" + number);
            string config;
            try { config = SshConfigWriter.Write(alias, route, controlPath); }
            catch (ArgumentException e) { throw new SshRouteException($"{Text.ConsoleText.Sanitize(vmName, 100)}: {e.Message} Not connecting."); }
            File.WriteAllText(configPath, config, new UTF8Encoding(false));
            var session = new OpenSshSession(this, vmName, route, alias, configPath, controlPath);
            try
            {
                await session.StartMasterAsync(openingCommand, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                session.Dispose();
                throw;
            }
            return session;
        }

        public void Dispose() => _dir.Dispose();
    }
}
