using System;
using System.Diagnostics;
using System.IO;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// The two commands Clear-SysVmAttention sends, run in a local bash against a scratch mark file: reading gives
    /// the checksum and the mark's lines; removing checks the checksum first, so a mark rewritten between reading and
    /// removing (a new failed run) is kept; and a checksum that is not hex never reaches the shell.
    /// </summary>
    public sealed class AttentionClearerCommandTests : IDisposable
    {
        private readonly string _mark = Path.Combine(Path.GetTempPath(), "svp-attention-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => File.Delete(_mark);

        private (int Exit, string Output) Bash(string command)
        {
            using var p = Process.Start(new ProcessStartInfo("bash")
            {
                ArgumentList = { "-c", command.Replace(AttentionMarker.Path, _mark, StringComparison.Ordinal) },
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }

        private string ReadSum()
        {
            var read = Bash(AttentionClearer.ReadCommand());
            Assert.Equal(0, read.Exit);
            foreach (var line in read.Output.Split('\n'))
                if (line.StartsWith("sum=", StringComparison.Ordinal)) return line.Substring(4);
            throw new Xunit.Sdk.XunitException("no sum= line in: " + read.Output);
        }

        [Fact]
        public void Reading_gives_the_checksum_and_the_lines_and_removing_the_same_mark_clears_it()
        {
            File.WriteAllText(_mark, "run=abc\nstep=restart\nerror=haproxy hung\nbackup=/var/cache/cloud/sysvmpatch/runs/abc/backup\n");
            var read = Bash(AttentionClearer.ReadCommand());
            Assert.Contains("mark_run=abc\n", read.Output);
            Assert.Contains("mark_error=haproxy hung\n", read.Output);

            var clear = Bash(AttentionClearer.ClearCommand(ReadSum()));
            Assert.True(clear.Exit == 0, clear.Output);
            Assert.False(File.Exists(_mark));
        }

        [Fact]
        public void A_mark_rewritten_after_it_was_read_is_kept()
        {
            File.WriteAllText(_mark, "run=abc\nerror=first\n");
            string sum = ReadSum();
            File.WriteAllText(_mark, "run=def\nerror=a newer failure\n");
            var clear = Bash(AttentionClearer.ClearCommand(sum));
            Assert.Equal(3, clear.Exit);
            Assert.Contains("MARK-CHANGED", clear.Output);
            Assert.Equal("run=def\nerror=a newer failure\n", File.ReadAllText(_mark));
        }

        [Fact]
        public void Without_a_mark_reading_says_nothing_and_removing_reports_a_change()
        {
            Assert.Equal("", Bash(AttentionClearer.ReadCommand()).Output);
            Assert.Equal(3, Bash(AttentionClearer.ClearCommand(new string('a', 32))).Exit);
        }

        [Theory]
        [InlineData("'; rm -rf / #aaaaaaaaaaaaaaaaaaaaa")]
        [InlineData("0123456789abcdef0123456789abcde")]
        public void A_checksum_that_is_not_32_hex_digits_is_refused_before_any_command_is_built(string hostile)
        {
            Assert.Throws<ArgumentException>(() => AttentionClearer.ClearCommand(hostile));
        }
    }
}
