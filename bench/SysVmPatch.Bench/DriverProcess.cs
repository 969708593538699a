using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace SysVmPatch.Bench
{
    /// <summary>What one driver run cost: wall time, CPU of its whole process tree, how it ended.</summary>
    public sealed record DriverRun(TimeSpan Wall, double? CpuSeconds, int ExitCode, string Output);

    /// <summary>
    /// Runs a method's driver as a child process inside its own cpuacct cgroup, so its CPU time includes every
    /// process it starts, even ones that detach (Ansible's ControlPersist masters, ssh jump children) and so no
    /// lab process (sshd in hosts and VMs, started earlier) is counted. Without cgroup v1 cpuacct, CPU is unknown.
    /// </summary>
    public static class DriverProcess
    {
        private const string CpuAcct = "/sys/fs/cgroup/cpuacct";

        public static async Task<DriverRun> RunAsync(string name, string file, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null)
        {
            string? group = CreateGroup(name);
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
            psi.ArgumentList.Add("-c");
            // Join the group first, then become the driver: nothing of the driver runs outside it.
            psi.ArgumentList.Add(group != null ? "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"" : "exec \"$@\"");
            psi.ArgumentList.Add(group ?? "none");
            psi.ArgumentList.Add(file);
            foreach (var a in args) psi.ArgumentList.Add(a);
            if (env != null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;

            var output = new StringBuilder();
            var clock = Stopwatch.StartNew();
            using var p = new Process { StartInfo = psi };
            p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            await p.WaitForExitAsync().ConfigureAwait(false);
            var wall = clock.Elapsed;
            double? cpu = group != null ? await ReadAndRemoveAsync(group).ConfigureAwait(false) : null;
            return new DriverRun(wall, cpu, p.ExitCode, output.ToString());
        }

        private static string? CreateGroup(string name)
        {
            MountCpuAcctInPrivateNamespace();
            if (!File.Exists(Path.Combine(CpuAcct, "cpuacct.usage"))) return null;
            // The process id alone is not unique: benchmarks in private pid namespaces share the cpuacct hierarchy.
            string dir = Path.Combine(CpuAcct, $"svpbench-{name}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N").Substring(0, 8)}");
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir);
                Directory.CreateDirectory(dir);
                return dir;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return null; }
        }

        // In a private mount namespace with a fresh sysfs (how labs are run beside other engineers' on a shared
        // machine) /sys/fs/cgroup is empty: mount the cpuacct hierarchy there, visible to this namespace only. A
        // machine whose /sys/fs/cgroup has anything in it is left as it is.
        private static void MountCpuAcctInPrivateNamespace()
        {
            const string root = "/sys/fs/cgroup";
            if (!OperatingSystem.IsLinux() || !Directory.Exists(root) || Directory.EnumerateFileSystemEntries(root).Any()) return;
            var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("mount -t tmpfs cgroups \"$0\" && mkdir \"$0/cpuacct\" && mount -t cgroup -o cpuacct cgroup \"$0/cpuacct\"");
            psi.ArgumentList.Add(root);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
        }

        // Detached children (ControlPersist masters) may outlive the driver: wait for the group to empty, up to a
        // bound, so their CPU is in the total; then remove the group.
        private static async Task<double?> ReadAndRemoveAsync(string group)
        {
            for (int i = 0; i < 100 && File.ReadAllText(Path.Combine(group, "cgroup.procs")).Trim().Length > 0; i++)
                await Task.Delay(100).ConfigureAwait(false);
            long ns = long.Parse(File.ReadAllText(Path.Combine(group, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture);
            foreach (var pid in File.ReadAllText(Path.Combine(group, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                try { File.WriteAllText(Path.Combine(CpuAcct, "cgroup.procs"), pid); } catch (IOException) { }
            }
            try { Directory.Delete(group); } catch (IOException) { }
            return ns / 1e9;
        }
    }
}
