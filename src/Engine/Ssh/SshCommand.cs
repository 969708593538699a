using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>One remote command: the shell text, what to stream to its stdin, and how long it may take.</summary>
    public sealed record SshCommand(string Text)
    {
        /// <summary>Writes the command's stdin (an upload); null: stdin is closed at once.</summary>
        public Func<Stream, CancellationToken, Task>? WriteStdin { get; init; }
        /// <summary>Called for each stdout line as it arrives (journal tailing); the full output is still returned.</summary>
        public Action<string>? OnStdoutLine { get; init; }
        /// <summary>Consumes stdout as raw bytes (a download); then <see cref="SshCommandResult.Stdout"/> is empty.</summary>
        public Func<Stream, CancellationToken, Task>? ReadStdout { get; init; }
        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
        /// <summary>
        /// Bytes of stdout and of stderr each kept at most (null: all). The rest is still read, and thrown away: the
        /// command runs to its own end, and output without end cannot fill memory. Not with <see cref="OnStdoutLine"/>.
        /// </summary>
        public long? MaxOutputBytes { get; init; }
    }

    /// <summary>What a remote command did. Exit code 255 never reaches here: it is thrown as <see cref="SshException"/>.</summary>
    public sealed record SshCommandResult(int ExitCode, string Stdout, string Stderr)
    {
        public bool Succeeded => ExitCode == 0;
        /// <summary>Stdout went past <see cref="SshCommand.MaxOutputBytes"/>: <see cref="Stdout"/> is its beginning.</summary>
        public bool StdoutTruncated { get; init; }
        /// <summary>Stderr went past <see cref="SshCommand.MaxOutputBytes"/>: <see cref="Stderr"/> is its beginning.</summary>
        public bool StderrTruncated { get; init; }
    }
}
