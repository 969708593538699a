using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Which CloudStack version a bundle is. A bundle folder does not say: it is the version of the management server
    /// it came from, which is the version of the servers the VMs belong to, unless the operator says otherwise.
    /// </summary>
    public static class BundleVersion
    {
        /// <param name="targetVersion">The version the operator named; wins when given.</param>
        /// <param name="servers">Each connection the VMs come from, with the version it reported (null: unknown).</param>
        /// <returns>The version, or null when no server reported one.</returns>
        /// <exception cref="Errors.TargetVersionException">The servers are on different versions and no target version was given.</exception>
        public static string? Resolve(string? targetVersion, IEnumerable<(string Server, string? Version)> servers)
        {
            if (!string.IsNullOrWhiteSpace(targetVersion)) return targetVersion;
            var known = servers.Where(s => !string.IsNullOrWhiteSpace(s.Version))
                .GroupBy(s => s.Version!.Trim(), StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (known.Count <= 1) return known.FirstOrDefault()?.Key;
            string which = string.Join(", ", known.OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
                .Select(g => $"{g.Key} on {string.Join(" and ", g.Select(s => s.Server).Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase))}"));
            throw Errors.TargetVersionException.Ambiguous($"The VMs come from management servers on different versions ({which}), so the bundle's version is not known: name the target version, or patch the VMs of each server in their own run.");
        }
    }
}
