using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>The outcome of one external command the lab ran.</summary>
    internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
    {
        public bool Succeeded => ExitCode == 0;
        /// <summary>Both streams, for messages and for tests that only care what was printed.</summary>
        public string Output => StandardError.Length == 0 ? StandardOutput : StandardOutput + StandardError;
    }

    /// <summary>Runs short external tools (ip, ssh-keygen, nsenter, tc) and collects what they print.</summary>
    internal static class LabCommand
    {
        public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default, IDictionary<string, string>? environment = null)
        {
            var psi = new ProcessStartInfo(fileName)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            if (environment != null)
            {
                psi.Environment.Clear();
                foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;
            }
            using var process = new Process { StartInfo = psi };
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                if (standardInput != null) await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (System.IO.IOException) { /* the tool did not read its input; its exit code says the rest */ }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                cancellationToken.ThrowIfCancellationRequested();
                throw new TimeoutException($"'{fileName}' did not finish within {(timeout ?? TimeSpan.FromMinutes(2)).TotalSeconds:0} s.");
            }
            return new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }

        /// <summary>Runs the command and throws with its output when it fails.</summary>
        public static async Task<CommandResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments, string? standardInput = null,
            TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        {
            var result = await RunAsync(fileName, arguments, standardInput, timeout, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new InvalidOperationException($"'{fileName} {string.Join(" ", arguments)}' failed with exit code {result.ExitCode}: {result.Output.Trim()}");
            return result;
        }

        /// <summary>
        /// Starts a long-lived process (an sshd, a VM's init) detached from our terminal session and stdio, so a
        /// Ctrl+C in the terminal reaches only the controller, which then tears the world down in order.
        /// </summary>
        public static Process StartDetached(IReadOnlyList<string> command)
        {
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("exec setsid \"$@\" </dev/null >/dev/null 2>&1");
            psi.ArgumentList.Add("sh");
            foreach (var c in command) psi.ArgumentList.Add(c);
            return Process.Start(psi) ?? throw new InvalidOperationException("Could not start " + command[0]);
        }
    }
}
