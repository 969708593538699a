using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>How a child process ended.</summary>
    internal sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr, bool TimedOut, bool Killed)
    {
        public bool StdoutTruncated { get; init; }
        public bool StderrTruncated { get; init; }
    }

    /// <summary>
    /// A started child process with its stdout/stderr read as they come, its stdin fed by a writer, and an
    /// awaitable end. netstandard2.0 has no WaitForExitAsync and no ArgumentList, hence this small wrapper.
    /// </summary>
    internal sealed class RunningProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new StringBuilder();
        private readonly StringBuilder _stderr = new StringBuilder();
        private readonly TaskCompletionSource<bool> _exited = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _stdinTask = Task.CompletedTask;
        private CancellationTokenSource? _stdinCancel;
        private Task _stdoutReader = Task.CompletedTask;
        private Task _stderrReader = Task.CompletedTask;
        // Bounded mode: both streams read as raw bytes, kept up to a limit (a line reader would hold a line without
        // end in memory whole).
        private BoundedOutput? _boundedOut;
        private BoundedOutput? _boundedErr;
        private volatile bool _killed;
        // Stdout listeners run one at a time and never after WaitAsync returns: callers change their own lists
        // from the listener, and a killed ssh's pipe (held by a master or a remote child) can keep delivering lines.
        private readonly object _listenerGate = new object();
        private bool _listenerClosed;

        private RunningProcess(Process process) { _process = process; }

        public int Id => _process.Id;
        public bool HasExited => _exited.Task.IsCompleted;
        public Task Exited => _exited.Task;

        public static RunningProcess Start(string fileName, IReadOnlyList<string> arguments, Func<Stream, CancellationToken, Task>? writeStdin, Action<string>? onStdoutLine, CancellationToken stdinToken,
            Func<Stream, CancellationToken, Task>? readStdout = null, long? maxOutputBytes = null)
        {
            var psi = new ProcessStartInfo(fileName, CommandLine.Join(arguments))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
            var running = new RunningProcess(process);
            // The stdin writer is stopped when the process ends: nobody reads what it would still write.
            var stdinCancel = CancellationTokenSource.CreateLinkedTokenSource(stdinToken);
            running._stdinCancel = stdinCancel;
            process.Exited += (s, e) =>
            {
                running._exited.TrySetResult(true);
                try { stdinCancel.Cancel(); } catch (ObjectDisposedException) { }
            };
            process.OutputDataReceived += (s, e) =>
            {
                if (e.Data == null) return;
                lock (running._stdout) running._stdout.Append(e.Data).Append('\n');
                if (onStdoutLine == null) return;
                lock (running._listenerGate)
                {
                    if (running._listenerClosed) return;
                    try { onStdoutLine(e.Data); } catch (Exception) { /* a listener's bug must not stop the read loop */ }
                }
            };
            process.ErrorDataReceived += (s, e) =>
            {
                if (e.Data == null) return;
                lock (running._stderr) running._stderr.Append(e.Data).Append('\n');
            };
            process.Start();
            if (maxOutputBytes != null && readStdout == null)
            {
                running._boundedOut = new BoundedOutput(maxOutputBytes);
                running._boundedErr = new BoundedOutput(maxOutputBytes);
                running._stdoutReader = ReadBounded(process.StandardOutput.BaseStream, running._boundedOut);
                running._stderrReader = ReadBounded(process.StandardError.BaseStream, running._boundedErr);
            }
            else if (readStdout == null) process.BeginOutputReadLine();
            else
            {
                // Binary output (a download): the reader gets the raw stream; nothing is kept as text.
                running._stdoutReader = Task.Run(async () =>
                {
                    try { await readStdout(process.StandardOutput.BaseStream, stdinToken).ConfigureAwait(false); }
                    finally { try { process.StandardOutput.BaseStream.CopyTo(Stream.Null); } catch (IOException) { } }
                });
            }
            if (running._boundedErr == null) process.BeginErrorReadLine();
            running._stdinTask = Task.Run(async () =>
            {
                var stdin = process.StandardInput.BaseStream;
                try
                {
                    if (writeStdin != null) await writeStdin(stdin, stdinCancel.Token).ConfigureAwait(false);
                }
                catch (IOException) { /* the process went away (connection dropped); its exit code says why */ }
                catch (OperationCanceledException) { }
                catch (Exception)
                {
                    running.Kill();
                    throw;
                }
                finally
                {
                    try { stdin.Close(); } catch (IOException) { }
                }
            });
            return running;
        }

        // A thread of its own: the read blocks until the pipe closes.
        private static Task ReadBounded(Stream source, BoundedOutput into) =>
            Task.Factory.StartNew(() =>
            {
                try { into.ReadToEnd(source); }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        /// <summary>Waits for the end; kills the process at the timeout or on cancellation (then rethrows it).</summary>
        public async Task<ProcessOutcome> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            bool timedOut = false;
            using (var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(timeout, delayCancel.Token);
                var first = await Task.WhenAny(_exited.Task, delay).ConfigureAwait(false);
                delayCancel.Cancel();
                if (first != _exited.Task)
                {
                    Kill();
                    timedOut = !cancellationToken.IsCancellationRequested;
                }
            }
            if (_killed)
            {
                // A killed multiplexed ssh client has handed its pipes to the master, which keeps them open until the
                // remote command ends: do not wait for end of file, take what arrived.
                await Task.Run(() => _process.WaitForExit(2000)).ConfigureAwait(false);
            }
            else
            {
                // WaitForExit() without a timeout also waits for the asynchronous output readers to reach end of file.
                await Task.Run(() => _process.WaitForExit()).ConfigureAwait(false);
            }
            CloseListener();
            if (_boundedOut != null)
            {
                // The raw readers end at end of file; a killed client's pipes may stay open (see above): take what came.
                var readers = Task.WhenAll(_stdoutReader, _stderrReader);
                if (_killed) await Task.WhenAny(readers, Task.Delay(2000, CancellationToken.None)).ConfigureAwait(false);
                else await readers.ConfigureAwait(false);
            }
            try { await _stdinTask.ConfigureAwait(false); }
            catch (Exception) when (_killed) { }
            if (_boundedOut == null)
            {
                try { await _stdoutReader.ConfigureAwait(false); }
                catch (Exception) when (_killed || cancellationToken.IsCancellationRequested) { }
            }
            cancellationToken.ThrowIfCancellationRequested();
            string stdout, stderr;
            lock (_stdout) stdout = _boundedOut?.Text() ?? _stdout.ToString();
            stderr = StderrSoFar();
            return new ProcessOutcome(_process.HasExited ? _process.ExitCode : -1, stdout, stderr, timedOut, _killed)
            {
                StdoutTruncated = _boundedOut?.Truncated ?? false,
                StderrTruncated = _boundedErr?.Truncated ?? false,
            };
        }

        // Waits for a listener call in progress, then lets no more through.
        private void CloseListener()
        {
            lock (_listenerGate) _listenerClosed = true;
        }

        public string StderrSoFar()
        {
            if (_boundedErr != null) return _boundedErr.Text();
            lock (_stderr) return _stderr.ToString();
        }

        public void Kill()
        {
            _killed = true;
            try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { } catch (System.ComponentModel.Win32Exception) { }
        }

        public void Dispose()
        {
            CloseListener();
            _process.Dispose();
            _stdinCancel?.Dispose();
        }
    }

    /// <summary>Quotes arguments into one command line the way both Windows and .NET on Unix split it back.</summary>
    internal static class CommandLine
    {
        public static string Join(IReadOnlyList<string> arguments)
        {
            var sb = new StringBuilder();
            foreach (string arg in arguments)
            {
                if (sb.Length > 0) sb.Append(' ');
                Append(sb, arg);
            }
            return sb.ToString();
        }

        private static void Append(StringBuilder sb, string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '"', '\'', '\\' }) < 0) { sb.Append(arg); return; }
            sb.Append('"');
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\') { backslashes++; continue; }
                if (c == '"') { sb.Append('\\', backslashes * 2 + 1); backslashes = 0; sb.Append('"'); continue; }
                sb.Append('\\', backslashes);
                backslashes = 0;
                sb.Append(c);
            }
            sb.Append('\\', backslashes * 2);
            sb.Append('"');
        }
    }
}
