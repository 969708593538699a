using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.LivePatch.Upload;

namespace SysVmPatch.Tests.LivePatch
{
    public sealed class AgentScriptTests
    {
        [Fact]
        public void The_uploaded_agent_is_valid_bash_with_its_rollback_defined_before_the_main_sequence()
        {
            string text = AgentScript.Text;
            int rollback = text.IndexOf("rollback_and_finish() {", StringComparison.Ordinal);
            int recover = text.IndexOf("recover_interrupted_runs() {", StringComparison.Ordinal);
            int main = text.IndexOf("journal agent \"pid $$\"", StringComparison.Ordinal);
            Assert.True(rollback > 0 && recover > 0 && main > rollback && main > recover);
            Assert.DoesNotContain("\r", text);
            string file = Path.Combine(Path.GetTempPath(), "svp-agent-" + Guid.NewGuid().ToString("N") + ".sh");
            File.WriteAllText(file, text);
            try
            {
                using var p = Process.Start(new ProcessStartInfo("bash", "-n " + file) { RedirectStandardError = true, UseShellExecute = false })!;
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, err);
            }
            finally { File.Delete(file); }
        }

        [Theory]
        [InlineData("bash")]
        [InlineData("sh")] // Debian's dash: the commands run in root's login shell, which must not need to be bash
        public void The_remote_commands_parse_in_bash_and_in_a_posix_sh(string shell)
        {
            foreach (var (name, text) in new[]
            {
                ("Preflight", RemoteCommands.Preflight()),
                ("UploadStartAndWait", RemoteCommands.UploadStartAndWait("run-1")),
                ("Wait", RemoteCommands.Wait("run-1")),
                ("PreChecks", RemoteCommands.PreChecks(new[] { "true", "echo 'quoted'" })),
            })
            {
                using var p = Process.Start(new ProcessStartInfo(shell) { ArgumentList = { "-n", "-c", text }, RedirectStandardError = true, UseShellExecute = false })!;
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, $"{name} does not parse in {shell}: {err}");
            }
        }

        [Fact]
        public async Task The_tar_stream_unpacks_with_gnu_tar_byte_for_byte()
        {
            string dir = Path.Combine(Path.GetTempPath(), "svp-tar-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                var a = new byte[1000];
                var b = new byte[512 * 3];
                new Random(1).NextBytes(a);
                new Random(2).NextBytes(b);
                string tar = Path.Combine(dir, "x.tar");
                using (var fs = File.Create(tar))
                {
                    await TarStreamWriter.WriteBytesAsync(fs, "a.bin", a, CancellationToken.None);
                    await TarStreamWriter.WriteBytesAsync(fs, "b.bin", b, CancellationToken.None);
                    await TarStreamWriter.WriteBytesAsync(fs, "empty", Array.Empty<byte>(), CancellationToken.None);
                    await TarStreamWriter.WriteEndAsync(fs, CancellationToken.None);
                }
                using var p = Process.Start(new ProcessStartInfo("tar", $"-xf {tar} -C {dir}") { RedirectStandardError = true, UseShellExecute = false })!;
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, err);
                Assert.Equal(a, File.ReadAllBytes(Path.Combine(dir, "a.bin")));
                Assert.Equal(b, File.ReadAllBytes(Path.Combine(dir, "b.bin")));
                Assert.Empty(File.ReadAllBytes(Path.Combine(dir, "empty")));
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public void Run_ids_that_could_escape_the_run_directory_are_refused()
        {
            Assert.Throws<ArgumentException>(() => RemoteCommands.RunDir("../etc"));
            Assert.Throws<ArgumentException>(() => RemoteCommands.UploadStartAndWait("a b"));
            Assert.Equal("/var/cache/cloud/sysvmpatch/runs/7c2e-01", RemoteCommands.RunDir("7c2e-01"));
        }
    }
}
