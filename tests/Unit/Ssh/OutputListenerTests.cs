using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.Ssh
{
    /// <summary>
    /// A command's stdout listener (which callers use to add steps and warnings to their result lists) never runs
    /// after RunAsync has returned or thrown, even when the killed process left a child writing to the pipe.
    /// </summary>
    public sealed class OutputListenerTests
    {
        [History.UnixFact]
        public async Task No_output_line_reaches_the_listener_after_a_timed_out_command_returns()
        {
            if (OperatingSystem.IsWindows()) return; // skipped there by UnixFact (a /bin/sh stand-in for ssh)
            string dir = Path.Combine(Path.GetTempPath(), "svp-listener-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                // Stands in for ssh: a child keeps writing to stdout after the process itself is killed.
                string fakeSsh = Path.Combine(dir, "ssh");
                File.WriteAllText(fakeSsh, "#!/bin/sh\n( i=0; while [ $i -lt 1000 ]; do echo line$i; i=$((i+1)); sleep 0.01; done ) &\nsleep 60\n");
                File.SetUnixFileMode(fakeSsh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                using var client = new OpenSshClient(shareConnections: false, sshPath: fakeSsh);
                using var session = await client.OpenAsync("r-1-VM", new SshRoute(new SshHop("127.0.0.1", 22, "root")), CancellationToken.None);
                int calls = 0;
                var command = new SshCommand("anything") { Timeout = TimeSpan.FromSeconds(1), OnStdoutLine = _ => Interlocked.Increment(ref calls) };
                await Assert.ThrowsAsync<SshException>(() => session.RunAsync(command, CancellationToken.None));
                int atReturn = Volatile.Read(ref calls);
                await Task.Delay(700);
                Assert.True(atReturn > 0, "the listener saw no line at all");
                Assert.Equal(atReturn, Volatile.Read(ref calls));
            }
            finally
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
            }
        }
    }
}
