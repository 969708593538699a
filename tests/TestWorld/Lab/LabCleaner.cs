using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Removes a lab world by name alone: the processes in any lab namespace, the namespaces, the root-namespace
    /// links and every mount under the lab root. Used for a normal teardown and for what a killed run left.
    /// Synchronous on purpose: it also runs from signal handlers and process exit.
    /// </summary>
    internal static class LabCleaner
    {
        public static CleanReport Clean(string rootDirectory)
        {
            var report = new CleanReport();
            report.ProcessesKilled = KillLabProcesses(rootDirectory);
            report.NamespacesDeleted = DeleteNamespaces();
            report.LinksDeleted = DeleteRootLinks();
            report.MountsRemoved = UnmountAll(rootDirectory);
            if (Directory.Exists(rootDirectory) && MountsUnder(rootDirectory).Count == 0)
            {
                Directory.Delete(rootDirectory, recursive: true);
                report.RootRemoved = true;
            }
            return report;
        }

        /// <summary>What is left of a lab on this machine (empty when nothing): for tests and `status`.</summary>
        public static List<string> Leftovers(string rootDirectory)
        {
            var left = new List<string>();
            left.AddRange(LabNamespaces().Select(n => "netns " + n));
            left.AddRange(RootLinks().Select(l => "link " + l));
            left.AddRange(MountsUnder(rootDirectory).Select(m => "mount " + m));
            left.AddRange(LabProcesses(rootDirectory).Select(p => "process " + p + " " + ProcTable.CommandLine(p)));
            if (Directory.Exists(rootDirectory)) left.Add("directory " + rootDirectory);
            return left;
        }

        public static List<string> LabNamespaces()
        {
            if (!Directory.Exists("/run/netns")) return new List<string>();
            return Directory.EnumerateFiles("/run/netns", LabNames.Prefix + "-*").Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// Processes living in a lab network namespace (every sshd, VM init, nsenter'd shell) plus the lab's own
        /// launchers recognised by their arguments (for a namespace whose name is already gone); never this
        /// process or its parents, and never a mere client that happens to name a lab path.
        /// </summary>
        public static List<int> LabProcesses(string rootDirectory)
        {
            var inodes = NamespaceInodes();
            var spare = ProcTable.SelfAndAncestors();
            var result = new List<int>();
            string marker = rootDirectory.TrimEnd('/') + "/";
            foreach (int pid in ProcTable.AllPids())
            {
                if (spare.Contains(pid) || !ProcTable.IsAlive(pid)) continue;
                var ino = ProcTable.NetNamespaceInode(pid);
                if ((ino != null && inodes.Contains(ino.Value)) || IsLabLauncher(ProcTable.Arguments(pid), marker))
                    result.Add(pid);
            }
            return result;
        }

        // A VM's launcher (`unshare … /bin/bash <root>/bin/vm-init.sh …`), its init (`/bin/bash <root>/bin/vm-init.sh …`)
        // or a host's sshd (`/usr/sbin/sshd -D -f <root>/hosts/…`).
        private static bool IsLabLauncher(string[] argv, string marker)
        {
            if (argv.Length == 0) return false;
            // A running sshd rewrites its title into one string: "sshd: /usr/sbin/sshd -D -f <config> [listener] …".
            if (argv[0].StartsWith("sshd: ", StringComparison.Ordinal)) return argv[0].Contains(marker + "hosts/", StringComparison.Ordinal);
            if (argv.Length < 2) return false;
            string program = Path.GetFileName(argv[0]);
            string init = marker + "bin/vm-init.sh";
            if (program == "unshare") return Array.IndexOf(argv, init) > 0;
            if (program == "bash") return argv[1] == init;
            if (program == "sshd") return argv.Any(a => a.StartsWith(marker + "hosts/", StringComparison.Ordinal));
            return false;
        }

        private static int KillLabProcesses(string rootDirectory)
        {
            int killed = 0;
            for (int round = 0; round < 5; round++)
            {
                var pids = LabProcesses(rootDirectory);
                if (pids.Count == 0) break;
                foreach (int pid in pids)
                    if (LibC.Kill(pid, LibC.SIGKILL) == 0) killed++;
                var deadline = DateTime.UtcNow.AddSeconds(5);
                while (DateTime.UtcNow < deadline && pids.Any(ProcTable.IsAlive)) Thread.Sleep(20);
            }
            return killed;
        }

        private static HashSet<long> NamespaceInodes()
        {
            var set = new HashSet<long>();
            var names = LabNamespaces();
            if (names.Count == 0) return set;
            var args = new List<string> { "-L", "-c", "%i" };
            args.AddRange(names.Select(n => "/run/netns/" + n));
            var result = LabCommand.RunAsync("stat", args).GetAwaiter().GetResult();
            foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (long.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long ino)) set.Add(ino);
            return set;
        }

        private static int DeleteNamespaces()
        {
            var names = LabNamespaces();
            if (names.Count == 0) return 0;
            var batch = new StringBuilder();
            foreach (var n in names) batch.Append("netns delete ").Append(n).Append('\n');
            LabCommand.RunAsync("ip", new[] { "-force", "-batch", "-" }, batch.ToString()).GetAwaiter().GetResult();
            // A name whose namespace was never mounted (a half-created one) is a plain file; remove it too.
            foreach (var n in LabNamespaces())
                try { File.Delete("/run/netns/" + n); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return names.Count - LabNamespaces().Count;
        }

        public static List<string> RootLinks()
        {
            var result = LabCommand.RunAsync("ip", new[] { "-o", "link", "show" }).GetAwaiter().GetResult();
            var links = new List<string>();
            foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                // "12: svplab-svh0@if3: <...>" -> svplab-svh0
                var parts = line.Split(':', 3);
                if (parts.Length < 2) continue;
                string name = parts[1].Trim();
                int at = name.IndexOf('@');
                if (at >= 0) name = name.Substring(0, at);
                if (name.StartsWith(LabNames.Prefix, StringComparison.Ordinal)) links.Add(name);
            }
            return links;
        }

        private static int DeleteRootLinks()
        {
            var links = RootLinks();
            if (links.Count == 0) return 0;
            var batch = new StringBuilder();
            foreach (var l in links) batch.Append("link delete dev ").Append(l).Append('\n');
            LabCommand.RunAsync("ip", new[] { "-force", "-batch", "-" }, batch.ToString()).GetAwaiter().GetResult();
            return links.Count;
        }

        public static List<string> MountsUnder(string rootDirectory)
        {
            string root = rootDirectory.TrimEnd('/');
            var result = new List<string>();
            foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
            {
                var fields = line.Split(' ');
                if (fields.Length < 5) continue;
                string mountPoint = Unescape(fields[4]);
                if (mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal)) result.Add(mountPoint);
            }
            return result;
        }

        private static int UnmountAll(string rootDirectory)
        {
            int removed = 0;
            for (int round = 0; round < 10; round++)
            {
                var mounts = MountsUnder(rootDirectory);
                if (mounts.Count == 0) break;
                // Deepest first; a busy one is detached lazily so that the next start is never blocked by it.
                foreach (var m in mounts.OrderByDescending(m => m.Length))
                    if (LibC.Umount2(m, 0) == 0 || LibC.Umount2(m, LibC.MNT_DETACH) == 0) removed++;
            }
            return removed;
        }

        private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
    }

    /// <summary>What a cleanup removed.</summary>
    public sealed class CleanReport
    {
        public int ProcessesKilled { get; set; }
        public int NamespacesDeleted { get; set; }
        public int LinksDeleted { get; set; }
        public int MountsRemoved { get; set; }
        public bool RootRemoved { get; set; }

        public bool NothingFound => ProcessesKilled == 0 && NamespacesDeleted == 0 && LinksDeleted == 0 && MountsRemoved == 0 && !RootRemoved;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{ProcessesKilled} processes killed, {NamespacesDeleted} namespaces, {LinksDeleted} links, {MountsRemoved} mounts removed{(RootRemoved ? ", lab directory removed" : "")}");
    }
}
