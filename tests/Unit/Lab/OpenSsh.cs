using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.NamespaceLab
{
    /// <summary>
    /// The real OpenSSH client against the lab, the way an operator would use it: the lab's key, strict host key
    /// checking against the lab's known_hosts, batch mode (all in the lab's ssh_config, which -J passes on).
    /// </summary>
    internal static class OpenSsh
    {
        /// <summary>ssh into a VM through its host (ProxyJump), by address, and run a command.</summary>
        public static Task<(int ExitCode, string Output)> ViaHostAsync(Lab lab, LabVm vm, string command, int connectTimeoutSeconds = 10) =>
            RunAsync("ssh", new[] { "-F", lab.SshConfigPath, "-o", $"ConnectTimeout={connectTimeoutSeconds}", "-J", "root@" + vm.Host.Address, "-p", "3922", "root@" + vm.LinkLocalIp, command });

        /// <summary>ssh straight at a VM's link-local address from the root namespace, as if there were no host.</summary>
        public static Task<(int ExitCode, string Output)> DirectAsync(Lab lab, LabVm vm, string command) =>
            RunAsync("ssh", new[] { "-F", lab.SshConfigPath, "-o", "ConnectTimeout=3", "-p", "3922", "root@" + vm.LinkLocalIp, command });

        public static Task<(int ExitCode, string Output)> HostAsync(Lab lab, LabHost host, string command) =>
            RunAsync("ssh", new[] { "-F", lab.SshConfigPath, "-o", "ConnectTimeout=5", "root@" + host.Address, command });

        /// <summary>scp a local file to a VM through its host.</summary>
        public static Task<(int ExitCode, string Output)> CopyToVmAsync(Lab lab, LabVm vm, string localFile, string remotePath) =>
            RunAsync("scp", new[] { "-F", lab.SshConfigPath, "-J", "root@" + vm.Host.Address, "-P", "3922", localFile, $"root@{vm.LinkLocalIp}:{remotePath}" });

        public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> args, string? stdinFile = null)
        {
            var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (stdinFile != null)
            {
                await using var input = System.IO.File.OpenRead(stdinFile);
                try { await input.CopyToAsync(p.StandardInput.BaseStream); } catch (System.IO.IOException) { /* the far end went away */ }
            }
            try { p.StandardInput.Close(); } catch (System.IO.IOException) { /* the far end went away */ }
            using var limit = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(2));
            await p.WaitForExitAsync(limit.Token);
            return (p.ExitCode, await stdout + await stderr);
        }
    }
}
