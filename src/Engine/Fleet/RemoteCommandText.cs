using System;
using System.Globalization;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>
    /// The text sent to the VM for an operator's command: the command itself, run by the VM user's own login shell
    /// (as if typed there), under the VM's `timeout` so that a hung command is stopped on the VM too.
    /// </summary>
    /// <remarks>
    /// Without a terminal, closing the SSH channel does not end a remote command: a `sleep` or a blocked read would
    /// outlive the run. So the VM's `timeout` (coreutils, on every system VM template) kills the command's whole
    /// process group a little after the controller's own deadline (<see cref="VmGrace"/>): the controller stays the
    /// one that decides "timed out", with no exit code to second-guess, and nothing is left behind on the VM.
    /// </remarks>
    internal static class RemoteCommandText
    {
        /// <summary>How much later than the controller the VM stops the command itself.</summary>
        public static readonly TimeSpan VmGrace = TimeSpan.FromSeconds(2);

        /// <summary>Seconds between the VM's TERM and KILL for a command that ignores TERM.</summary>
        private const int KillAfterSec = 3;

        public static string For(string command, TimeSpan timeout)
        {
            if (command == null) throw new ArgumentNullException(nameof(command));
            long seconds = (long)Math.Ceiling((timeout + VmGrace).TotalSeconds);
            string quoted = Quote(command);
            string shell = "\"${SHELL:-/bin/sh}\"";
            // `exec`: the command's exit code is the session's; no wrapper shell waits around.
            return "if command -v timeout >/dev/null 2>&1; then exec timeout -k " + KillAfterSec.ToString(CultureInfo.InvariantCulture) + " "
                + seconds.ToString(CultureInfo.InvariantCulture) + " " + shell + " -c " + quoted + "; fi\n"
                + "exec " + shell + " -c " + quoted;
        }

        /// <summary>One POSIX shell word holding <paramref name="text"/> exactly: single quotes, each ' written '\''.</summary>
        internal static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";
    }
}
