using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// Commands to one VM through the OpenSSH client. With connection sharing, the session owns a master ssh
    /// process whose remote side only waits for its stdin: when this process (or the whole controller) goes away,
    /// stdin closes, the master ends once running commands finish, and nothing is left behind.
    /// </summary>
    internal sealed class OpenSshSession : ISshSession
    {
        private readonly OpenSshClient _client;
        private readonly string _alias;
        private readonly string _configPath;
        private readonly string? _controlPath;
        private readonly TaskCompletionSource<bool> _closeMaster = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private RunningProcess? _master;

        public OpenSshSession(OpenSshClient client, string vmName, SshRoute route, string alias, string configPath, string? controlPath)
        {
            _client = client;
            VmName = vmName;
            Route = route;
            _alias = alias;
            _configPath = configPath;
            _controlPath = controlPath;
        }

        public string VmName { get; }
        public SshRoute Route { get; }
        public string? OpeningOutput { get; private set; }

        // Ends the opening command's output on the master's session; the master then holds the connection open.
        private const string OpenedMarker = "__SYSVMPATCH_OPENED__";

        public async Task StartMasterAsync(string? openingCommand, CancellationToken cancellationToken)
        {
            if (_controlPath == null)
            {
                // No connection sharing (Windows): the opening command is simply the first connection's command.
                if (openingCommand != null)
                    OpeningOutput = (await RunAsync(new SshCommand(openingCommand) { Timeout = OpeningTimeout }, cancellationToken).ConfigureAwait(false)).Stdout;
                return;
            }
            var opening = new System.Text.StringBuilder();
            var opened = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            // In the connection's own shell, without a subshell, and cat replaces that shell: no process more than needed.
            string remote = openingCommand == null ? "exec cat >/dev/null" : $"{{ {openingCommand}\n}} </dev/null; echo {OpenedMarker}; exec cat >/dev/null";
            var args = new List<string> { "-F", _configPath, "-M", "-T", _alias, "--", remote };
            Action<string>? onLine = openingCommand == null ? null : line =>
            {
                if (opened.Task.IsCompleted) return;
                if (line == OpenedMarker) opened.TrySetResult(true);
                else lock (opening) opening.Append(line).Append('\n');
            };
            _master = RunningProcess.Start(_client.SshPath, args, async (stdin, ct) => await Task.WhenAny(_closeMaster.Task, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false), onLine, CancellationToken.None);
            _client.CountConnection();
            // Two connect timeouts: the jump hop and the target each may take one; then the opening command's time.
            var allowed = Route.ConnectTimeout + Route.ConnectTimeout + TimeSpan.FromSeconds(5);
            var deadline = DateTime.UtcNow + allowed;
            if (openingCommand != null)
            {
                // The marker comes on the master's own session, after ssh has set up its control socket: wait for it
                // (or the master's end, or cancellation) without polling. Anything slower goes through the loop below.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Task.WhenAny(opened.Task, _master.Exited, Task.Delay(allowed, wait.Token)).ConfigureAwait(false);
                wait.Cancel();
            }
            while (!File.Exists(_controlPath) || (openingCommand != null && !opened.Task.IsCompleted))
            {
                if (_master.HasExited)
                {
                    var outcome = await _master.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
                    throw SshErrorClassifier.Classify(Route, VmName, outcome.Stderr);
                }
                if (cancellationToken.IsCancellationRequested) { CloseMaster(); cancellationToken.ThrowIfCancellationRequested(); }
                if (File.Exists(_controlPath) && deadline < DateTime.UtcNow + OpeningTimeout && !opened.Task.IsCompleted)
                    deadline = DateTime.UtcNow + OpeningTimeout; // connected: the opening command gets its own time
                if (DateTime.UtcNow > deadline)
                {
                    string stderr = _master.StderrSoFar();
                    CloseMaster();
                    throw File.Exists(_controlPath ?? "")
                        ? new SshException(SshErrorKind.CommandTimedOut, $"{VmName}: the opening command did not finish within {OpeningTimeout.TotalSeconds:0} s.", Route.Target.ToString())
                        : new SshException(SshErrorKind.ConnectionTimedOut, $"{VmName}: no SSH connection to {Route} within {allowed.TotalSeconds:0} s{(stderr.Trim().Length > 0 ? " (" + stderr.Trim() + ")" : "")}");
                }
                await Task.WhenAny(opened.Task, Task.Delay(25, CancellationToken.None)).ConfigureAwait(false);
            }
            if (openingCommand != null) lock (opening) OpeningOutput = opening.ToString();
        }

        private static readonly TimeSpan OpeningTimeout = TimeSpan.FromMinutes(1);

        public async Task<SshCommandResult> RunAsync(SshCommand command, CancellationToken cancellationToken)
        {
            if (command == null) throw new ArgumentNullException(nameof(command));
            // A command finding no master socket makes its own connection (the master died; a fresh connection
            // is the best the run can do), so count it.
            if (_controlPath == null || !File.Exists(_controlPath)) _client.CountConnection();
            var args = new List<string> { "-F", _configPath, "-T", _alias, "--", command.Text };
            using var process = RunningProcess.Start(_client.SshPath, args, command.WriteStdin, command.OnStdoutLine, cancellationToken, command.ReadStdout, command.MaxOutputBytes);
            var outcome = await process.WaitAsync(command.Timeout, cancellationToken).ConfigureAwait(false);
            if (outcome.TimedOut)
                throw new SshException(SshErrorKind.CommandTimedOut, $"{VmName}: the command did not finish within {command.Timeout.TotalSeconds:0} s and was stopped.", Route.Target.ToString());
            if (outcome.ExitCode == 255)
                throw SshErrorClassifier.Classify(Route, VmName, outcome.Stderr);
            return new SshCommandResult(outcome.ExitCode, outcome.Stdout, outcome.Stderr) { StdoutTruncated = outcome.StdoutTruncated, StderrTruncated = outcome.StderrTruncated };
        }

        // The master ends once its stdin closes and the remote side has said goodbye; after 5 s it is killed.
        private static readonly TimeSpan MasterExitWait = TimeSpan.FromSeconds(5);

        private RunningProcess? TakeMaster()
        {
            var master = Interlocked.Exchange(ref _master, null);
            if (master != null) _closeMaster.TrySetResult(true);
            return master;
        }

        private void CloseMaster()
        {
            var master = TakeMaster();
            if (master == null) return;
            if (!master.Exited.Wait(MasterExitWait)) master.Kill();
            master.Dispose();
        }

        public async Task CloseAsync()
        {
            var master = TakeMaster();
            if (master != null)
            {
                using (var timer = new CancellationTokenSource())
                {
                    if (await Task.WhenAny(master.Exited, Task.Delay(MasterExitWait, timer.Token)).ConfigureAwait(false) != master.Exited) master.Kill();
                    timer.Cancel();
                }
                master.Dispose();
            }
            DeleteConfig();
        }

        private void DeleteConfig()
        {
            try { File.Delete(_configPath); } catch (IOException) { }
        }

        public void Dispose()
        {
            CloseMaster();
            DeleteConfig();
        }
    }
}
