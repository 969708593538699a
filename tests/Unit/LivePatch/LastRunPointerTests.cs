using System;
using System.Diagnostics;
using System.IO;
using SysVmPatch.Engine.LivePatch.OnVm;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// The last-run pointer ($B/last), which the preflight follows to a VM's last outcome, is replaced whole (written
    /// beside itself, synced, renamed), never rewritten in place: a VM reset mid-write must not leave it empty or torn,
    /// or the next preflight would lose the failed outcome it points to. The start command's lock-taking part runs in
    /// a local bash against a scratch folder, with a stand-in agent.
    /// </summary>
    public sealed class LastRunPointerTests
    {
        [Fact]
        public void Taking_the_lock_replaces_the_last_run_pointer_by_a_rename_not_in_place()
        {
            string b = Path.Combine(Path.GetTempPath(), "svp-last-" + Guid.NewGuid().ToString("N"));
            string s = Path.Combine(b, "runs", "run-2", "stage");
            Directory.CreateDirectory(s);
            try
            {
                File.WriteAllText(Path.Combine(s, "agent.sh"), "exit 0\n");
                string last = Path.Combine(b, "last");
                File.WriteAllText(last, "run-1\n");
                // A second name for the old pointer's inode: an in-place write changes what it shows, a rename does not.
                string oldInode = Path.Combine(b, "old-last");
                Link(last, oldInode);

                var p = Process.Start(new ProcessStartInfo("bash")
                {
                    ArgumentList = { "-c", AgentLauncher.TakeLockAndStart() },
                    Environment = { ["B"] = b, ["RUN"] = "run-2", ["D"] = Path.Combine(b, "runs", "run-2"), ["S"] = s },
                    RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                })!;
                string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                p.WaitForExit();

                Assert.True(p.ExitCode == 0, output);
                Assert.Contains(AgentProtocol.Started, output);
                Assert.Equal("run-2\n", File.ReadAllText(last));
                Assert.Equal("run-1\n", File.ReadAllText(oldInode)); // the old file was not written into
                Assert.False(File.Exists(last + ".tmp"), "the temporary pointer was left behind");
            }
            finally { Directory.Delete(b, recursive: true); }
        }

        [Fact]
        public void The_pointer_is_synced_before_it_is_renamed_into_place()
        {
            string text = AgentLauncher.TakeLockAndStart();
            int write = text.IndexOf("> $B/last.tmp", StringComparison.Ordinal);
            int sync = text.IndexOf("sync $B/last.tmp", StringComparison.Ordinal);
            int rename = text.IndexOf("mv -f $B/last.tmp $B/last", StringComparison.Ordinal);
            Assert.True(write >= 0 && write < sync && sync < rename, "expected: write $B/last.tmp, sync it, rename it over $B/last\n" + text);
            Assert.DoesNotContain("> $B/last\n", text, StringComparison.Ordinal);
        }

        private static void Link(string existing, string newName)
        {
            using var ln = Process.Start(new ProcessStartInfo("ln", $"{existing} {newName}") { UseShellExecute = false, RedirectStandardError = true })!;
            string err = ln.StandardError.ReadToEnd();
            ln.WaitForExit();
            Assert.True(ln.ExitCode == 0, "ln: " + err);
        }
    }
}
