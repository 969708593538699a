using System;
using System.IO;
using System.Reflection;

namespace SysVmPatch.Loader
{
    /// <summary>
    /// Windows PowerShell 5.1 has one load context per process, so isolation there rests on strong names: SSH.NET is
    /// strong-named, so Renci.SshNet 2026 and another module's older Renci.SshNet load side by side. The default probe
    /// does not look into Dependencies/Desktop, so every request for the engine or one of its dependencies that it
    /// cannot satisfy comes here and is served from that folder, when the file there is the version asked for or newer.
    /// </summary>
    internal static class DesktopAssemblyResolver
    {
        private static readonly object Gate = new object();
        private static string? _folder;

        internal static void Register(string folder)
        {
            string full = Path.GetFullPath(folder);
            lock (Gate)
            {
                if (_folder != null) return;
                _folder = full;
                AppDomain.CurrentDomain.AssemblyResolve += Resolve;
            }
        }

        private static Assembly? Resolve(object? sender, ResolveEventArgs args)
        {
            string? folder = _folder;
            if (folder == null) return null;
            var wanted = new AssemblyName(args.Name);
            if (string.IsNullOrEmpty(wanted.Name)) return null;
            string path = Path.Combine(folder, wanted.Name + ".dll");
            if (!File.Exists(path)) return null;
            AssemblyName found = AssemblyName.GetAssemblyName(path);
            if (wanted.Version != null && found.Version != null && found.Version < wanted.Version) return null;
            // LoadFrom: the engine's own references are then probed in its folder first, as the Core context does.
            return Assembly.LoadFrom(path);
        }
    }
}
