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
        public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
    }

    /// <summary>What a remote command did. Exit code 255 never reaches here: it is thrown as <see cref="SshException"/>.</summary>
    public sealed record SshCommandResult(int ExitCode, string Stdout, string Stderr)
    {
        public bool Succeeded => ExitCode == 0;
    }
}
