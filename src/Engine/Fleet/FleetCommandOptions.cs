using System;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>What to run on every VM of a fleet command, and the bounds it runs within.</summary>
    public sealed record FleetCommandOptions
    {
        /// <summary>The most output kept per stream and VM by default: 1 MiB, a whole df or journal excerpt, far from a memory problem at 256 VMs.</summary>
        public const long DefaultMaxOutputBytes = 1024 * 1024;

        public FleetCommandOptions(string command)
        {
            if (string.IsNullOrWhiteSpace(command)) throw new ArgumentException("The command to run is empty.", nameof(command));
            // A NUL cannot pass through a shell's argument; refused rather than cut short on the VM.
            if (command.IndexOf('\0') >= 0) throw new ArgumentException("The command contains a NUL character, which no shell can run.", nameof(command));
            Command = command;
        }

        /// <summary>The shell text, run by the VM user's login shell as it would be typed there.</summary>
        public string Command { get; }

        /// <summary>How long the command may run on each VM; then it is stopped there and reported as timed out.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(1);

        /// <summary>VMs the command runs on at once.</summary>
        public int ThrottleLimit { get; init; } = 16;

        /// <summary>Bytes of stdout and of stderr kept per VM; the rest is read and dropped, and the result says so.</summary>
        public long MaxOutputBytes { get; init; } = DefaultMaxOutputBytes;

        internal void Check()
        {
            if (ThrottleLimit < 1) throw new ArgumentException($"The throttle limit must be at least 1 (was {ThrottleLimit}).");
            if (Timeout <= TimeSpan.Zero) throw new ArgumentException("The timeout must be positive.");
            if (MaxOutputBytes < 1) throw new ArgumentException($"The output limit must be at least 1 byte (was {MaxOutputBytes}).");
        }
    }
}
