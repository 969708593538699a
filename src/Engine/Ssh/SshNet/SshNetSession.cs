using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// Commands to one VM over its own SSH.NET connection: each command is an exec channel on it, an upload is the
    /// channel's stdin. Closing ends the connection and stops the VM's forward on its jump host.
    /// </summary>
    internal sealed class SshNetSession : ISshSession
    {
        private static readonly TimeSpan OpeningTimeout = TimeSpan.FromMinutes(1);
        private readonly Func<CancellationToken, Task<(SshClient Client, Action Release)>> _reconnect;
        private readonly SemaphoreSlim _reconnecting = new SemaphoreSlim(1, 1);
        private SshClient _client;
        private Action? _release;
        // Set when a command failed on the connection itself: a silently dropped link can look connected for minutes.
        private volatile bool _broken;

        public SshNetSession(string vmName, SshRoute route, SshClient client, Action release, Func<CancellationToken, Task<(SshClient Client, Action Release)>> reconnect)
        {
            VmName = vmName;
            Route = route;
            _client = client;
            _release = release;
            _reconnect = reconnect;
        }

        // A command after the connection was lost gets a fresh one (the OpenSSH transport does the same when its
        // master has died): after a dropped upload the patcher still removes what it staged.
        private async Task<SshClient> ConnectedClientAsync(CancellationToken cancellationToken)
        {
            await _reconnecting.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_client.IsConnected && !_broken) return _client;
                var old = Interlocked.Exchange(ref _release, null);
                if (old == null) throw new ObjectDisposedException(nameof(SshNetSession));
                Disconnect(_client);
                old();
                var (client, release) = await _reconnect(cancellationToken).ConfigureAwait(false);
                _client = client;
                _release = release;
                _broken = false;
                return client;
            }
            finally { _reconnecting.Release(); }
        }

        private static void Disconnect(SshClient client)
        {
            try { client.Disconnect(); }
            catch (Exception ex) when (ex is Renci.SshNet.Common.SshException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is System.Net.Sockets.SocketException) { }
            client.Dispose();
        }

        public string VmName { get; }
        public SshRoute Route { get; }
        public string? OpeningOutput { get; private set; }

        public async Task OpenWithAsync(string openingCommand, CancellationToken cancellationToken) =>
            OpeningOutput = (await RunAsync(new SshCommand(openingCommand) { Timeout = OpeningTimeout }, cancellationToken).ConfigureAwait(false)).Stdout;

        public async Task<SshCommandResult> RunAsync(SshCommand command, CancellationToken cancellationToken)
        {
            if (command == null) throw new ArgumentNullException(nameof(command));
            var client = _client.IsConnected && !_broken ? _client : await ConnectedClientAsync(cancellationToken).ConfigureAwait(false);
            // SSH.NET sends no end-of-file for a stdin nothing was written to, so a command without input reads /dev/null.
            string text = command.WriteStdin == null ? "exec </dev/null\n" + command.Text : command.Text;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(command.Timeout);
            using var cmd = client.CreateCommand(text, new UTF8Encoding(false));
            Task execution;
            try { execution = cmd.ExecuteAsync(timeout.Token); }
            catch (Exception ex) when (ex is Renci.SshNet.Common.SshException || ex is InvalidOperationException || ex is ObjectDisposedException)
            {
                _broken = true;
                throw new SshException(SshErrorKind.ConnectionLost, $"{VmName}: {SshErrorClassifier.Describe(SshErrorKind.ConnectionLost)} on {Route} ({ex.Message})", Route.Target.ToString(), ex);
            }
            var stdout = new BoundedOutput(command.MaxOutputBytes);
            var stderr = new BoundedOutput(command.MaxOutputBytes);
            // SSH.NET's output streams block their reader: read them on threads of their own, not the pool's.
            Task readOut = command.ReadStdout != null
                ? Dedicated(() => command.ReadStdout(cmd.OutputStream, timeout.Token).GetAwaiter().GetResult())
                : Dedicated(() => Pump(cmd.OutputStream, stdout, command.OnStdoutLine));
            Task readErr = Dedicated(() => Pump(cmd.ExtendedOutputStream, stderr, null));
            Task write = command.WriteStdin == null ? Task.CompletedTask : Dedicated(() =>
            {
                using var input = new SynchronousStream(cmd.CreateInputStream());
                command.WriteStdin(input, timeout.Token).GetAwaiter().GetResult();
            });
            try
            {
                await execution.ConfigureAwait(false);
                await Task.WhenAll(write, readOut, readErr).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // An upload stopped halfway may have stalled on a dead link: the next command starts on a fresh connection.
                if (command.WriteStdin != null) _broken = true;
                if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                if (timeout.IsCancellationRequested)
                    throw new SshException(SshErrorKind.CommandTimedOut, $"{VmName}: the command did not finish within {command.Timeout.TotalSeconds:0} s and was stopped.", Route.Target.ToString());
                _broken = true;
                if (ex is SshException) throw;
                var kind = ex is IOException || ex is Renci.SshNet.Common.SshConnectionException ? SshErrorKind.ConnectionLost : SshNetErrors.KindOf(ex);
                throw new SshException(kind, $"{VmName}: {SshErrorClassifier.Describe(kind)} on {Route} ({ex.GetType().Name}: {ex.Message})", Route.Target.ToString(), ex);
            }
            // A command killed by a signal has no exit status: -1 (never 255, which callers read as ssh failing).
            int exit = cmd.ExitStatus ?? -1;
            return new SshCommandResult(exit, stdout.Text(), stderr.Text()) { StdoutTruncated = stdout.Truncated, StderrTruncated = stderr.Truncated };
        }

        private static Task Dedicated(Action action) =>
            Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Copies the stream to the buffer, handing complete lines to the callback as they arrive.
        private static void Pump(Stream source, BoundedOutput into, Action<string>? onLine)
        {
            var buffer = new byte[32 * 1024];
            var pending = new StringBuilder();
            var decoder = new UTF8Encoding(false).GetDecoder();
            var chars = new char[buffer.Length + 1];
            int n;
            while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                into.Write(buffer, 0, n);
                if (onLine == null) continue;
                int c = decoder.GetChars(buffer, 0, n, chars, 0);
                for (int i = 0; i < c; i++)
                {
                    if (chars[i] == '\n') { onLine(pending.ToString()); pending.Clear(); }
                    else if (chars[i] != '\r') pending.Append(chars[i]);
                }
            }
            if (onLine != null && pending.Length > 0) onLine(pending.ToString());
        }

        public Task CloseAsync() => Task.Run(Dispose);

        public void Dispose()
        {
            var release = Interlocked.Exchange(ref _release, null);
            if (release == null) return;
            Disconnect(_client);
            release();
        }
    }
}
