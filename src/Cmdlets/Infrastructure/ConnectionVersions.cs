using System;
using System.Collections.Concurrent;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>The management-server version each connection reported when it connected, for Get-SysVmCloud.</summary>
    internal static class ConnectionVersions
    {
        private static readonly ConcurrentDictionary<string, string> Versions = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public static void Remember(string name, string version) => Versions[name] = version;
        public static string? Get(string name) => Versions.TryGetValue(name, out var v) ? v : null;
        public static void Forget(string name) => Versions.TryRemove(name, out _);
    }
}
