using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>
    /// What Get-SystemVm asks for. Every filter is optional; all that are set must match (AND). The text filters are
    /// predicates the caller builds (the cmdlets from PowerShell's wildcards), so the engine has no pattern dialect.
    /// </summary>
    public sealed class InventoryQuery
    {
        public IReadOnlyCollection<SystemVmType>? Types { get; init; }
        /// <summary>Zones: tried on the zone's name and on its id.</summary>
        public Func<string, bool>? Zones { get; init; }
        /// <summary>VM names.</summary>
        public Func<string, bool>? Names { get; init; }
        public IReadOnlyCollection<string>? Ids { get; init; }
        /// <summary>States (Running, Stopped, ...).</summary>
        public Func<string, bool>? States { get; init; }
        /// <summary>Hypervisor hosts: tried on the host's name and on its id.</summary>
        public Func<string, bool>? HostNames { get; init; }
        /// <summary>Versions: tried on the template version and on the software version.</summary>
        public Func<string, bool>? Versions { get; init; }

        public bool Includes(SystemVmType type) => Types is null || Types.Count == 0 || System.Linq.Enumerable.Contains(Types, type);
    }
}
