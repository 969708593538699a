using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>
    /// An interactive shell on one VM: the OpenSSH client with a terminal (-tt) on the operator's own console,
    /// through a private ssh_config written like the OpenSSH transport's (ProxyJump through the VM's host, the
    /// run's keys and known_hosts, strict host keys, no password or host key prompt).
    /// </summary>
    /// <remarks>
    /// OpenSSH rather than SSH.NET even where that is the default transport: the terminal itself must belong to the
    /// remote shell (raw mode, window size, Ctrl+C and Ctrl+Z sent as keys to the remote side, full-screen programs),
    /// which the ssh client does on every platform and an in-process client would have to re-implement for each.
    /// </remarks>
    public sealed class InteractiveShell
    {
        private readonly SystemVm _vm;
        private readonly SshRoute _route;
        private readonly string _sshPath;

        private InteractiveShell(SystemVm vm, SshRoute route, string sshPath)
        {
            _vm = vm;
            _route = route;
            _sshPath = sshPath;
        }

        /// <summary>
        /// Checks everything that can be checked before connecting: the VM runs, its route is known, an ssh client
        /// is on PATH (<paramref name="sshPath"/> overrides the search). Throws <see cref="VmAccessException"/>.
        /// </summary>
        public static InteractiveShell For(SystemVm vm, SshRouteOptions options, string? sshPath = null)
        {
            if (vm == null) throw new ArgumentNullException(nameof(vm));
            if (!string.Equals(vm.State, "Running", StringComparison.OrdinalIgnoreCase)) throw VmAccessException.NotRunning(vm);
            try { return new InteractiveShell(vm, SshRouteBuilder.Build(vm, options), sshPath ?? SshExecutable.Find()); }
            catch (Exception e) when (e is SshException || e is SshRouteException) { throw VmAccessException.From(vm, e); }
        }

        /// <summary>
        /// Runs the shell on the inherited console until it ends; returns the remote shell's exit code. ssh failing
        /// itself (exit 255) throws <see cref="VmAccessException"/> with the classified cause. Cancelling ends ssh.
        /// </summary>
        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            using var dir = new PrivateTempDirectory();
            string alias = SshConfigWriter.AliasFor(_vm.Name, 1);
            string config = Path.Combine(dir.Path, "cfg");
            try { File.WriteAllText(config, SshConfigWriter.Write(alias, _route, controlPath: null), new UTF8Encoding(false)); }
            catch (ArgumentException e) { throw VmAccessException.From(_vm, new SshRouteException($"{_vm.Name}: {e.Message} Not connecting.")); }

            // stdin and stdout stay the console's, so ssh sees a terminal; only ssh's own messages (stderr) are
            // read, to say why it failed. With -tt the remote shell's stderr arrives on the terminal, not here.
            var psi = new ProcessStartInfo(_sshPath, CommandLine.Join(new[] { "-F", config, "-tt", alias }))
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            };
            using var ssh = new Process { StartInfo = psi };
            var stderr = new StringBuilder();
            ssh.ErrorDataReceived += (s, e) => { if (e.Data != null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
            ssh.Start();
            ssh.BeginErrorReadLine();
            using (cancellationToken.Register(() => { try { if (!ssh.HasExited) ssh.Kill(); } catch (InvalidOperationException) { } }))
                await Task.Run(() => ssh.WaitForExit(), CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (ssh.ExitCode == 255)
            {
                string text;
                lock (stderr) text = stderr.ToString();
                throw VmAccessException.From(_vm, SshErrorClassifier.Classify(_route, _vm.Name, text));
            }
            return ssh.ExitCode;
        }

        /// <summary>The audit record of a shell session: who opened it on which VM, for how long, and how it ended.</summary>
        public static PatchHistoryRecord History(SystemVm vm, string runId, int? exitCode, string? error, TimeSpan duration) =>
            PatchHistoryRecord.ForVm(vm, PatchOperation.Shell, runId) with
            {
                Status = error != null ? "Failed" : "Closed",
                Error = error,
                FailedStep = error != null ? "Connect" : null,
                Duration = duration,
                Steps = exitCode is int code ? new[] { "exit code " + code.ToString(System.Globalization.CultureInfo.InvariantCulture) } : Array.Empty<string>(),
            };
    }
}
