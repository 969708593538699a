using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Reads the kernel's process table under /proc: the lab finds the processes of a VM (its init, its sshd
    /// listener, the sessions under it) by their parent links and namespaces rather than by name.
    /// </summary>
    internal static class ProcTable
    {
        public static IEnumerable<int> AllPids()
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
                if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) yield return pid;
        }

        public static List<int> Children(int pid)
        {
            var result = new List<int>();
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                {
                    string text;
                    try { text = File.ReadAllText(Path.Combine(task, "children")); }
                    catch (IOException) { continue; }
                    foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                        if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int child)) result.Add(child);
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return result;
        }

        /// <summary>Every process below <paramref name="pid"/>, deepest last.</summary>
        public static List<int> Descendants(int pid)
        {
            var result = new List<int>();
            var queue = new Queue<int>(Children(pid));
            while (queue.Count > 0)
            {
                int p = queue.Dequeue();
                result.Add(p);
                foreach (var c in Children(p)) queue.Enqueue(c);
            }
            return result;
        }

        public static string? Comm(int pid) => ReadTrimmed($"/proc/{pid}/comm");

        public static string CommandLine(int pid)
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
            catch (IOException) { return ""; }
            catch (UnauthorizedAccessException) { return ""; }
        }

        public static string[] Arguments(int pid)
        {
            try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries); }
            catch (IOException) { return Array.Empty<string>(); }
            catch (UnauthorizedAccessException) { return Array.Empty<string>(); }
        }

        /// <summary>The inode of the process's network namespace ("net:[4026532]" -> 4026532), or null when gone.</summary>
        public static long? NetNamespaceInode(int pid)
        {
            try
            {
                string? target = new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
                if (target == null) return null;
                int open = target.IndexOf('['), close = target.IndexOf(']');
                if (open < 0 || close <= open) return null;
                return long.TryParse(target.AsSpan(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long ino) ? ino : null;
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }

        public static int? ParentOf(int pid)
        {
            string? stat = ReadTrimmed($"/proc/{pid}/stat");
            if (stat == null) return null;
            // The command name in parentheses may contain spaces; fields after the last ')' are fixed.
            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            return int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid) ? ppid : null;
        }

        /// <summary>True while the process exists and is not a zombie waiting to be reaped.</summary>
        public static bool IsAlive(int pid)
        {
            string? stat = ReadTrimmed($"/proc/{pid}/stat");
            if (stat == null) return false;
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || (stat[close + 2] != 'Z' && stat[close + 2] != 'X');
        }

        /// <summary>This process and its ancestors: never to be killed by a cleanup, whatever their command line says.</summary>
        public static HashSet<int> SelfAndAncestors()
        {
            var set = new HashSet<int>();
            int? pid = Environment.ProcessId;
            while (pid is > 0 && set.Add(pid.Value)) pid = ParentOf(pid.Value);
            return set;
        }

        private static string? ReadTrimmed(string path)
        {
            try { return File.ReadAllText(path).Trim(); }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
    }
}
