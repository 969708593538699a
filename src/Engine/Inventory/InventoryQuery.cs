using System.Collections.Generic;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>What Get-SystemVm asks for. Every set is optional; within a set any value matches (OR), across sets all must (AND).</summary>
    public sealed class InventoryQuery
    {
        public IReadOnlyCollection<SystemVmType>? Types { get; init; }
        /// <summary>Zone names (wildcards) or ids.</summary>
        public IReadOnlyCollection<string>? Zones { get; init; }
        /// <summary>VM names, wildcards allowed.</summary>
        public IReadOnlyCollection<string>? Names { get; init; }
        public IReadOnlyCollection<string>? Ids { get; init; }
        /// <summary>States (Running, Stopped, ...), wildcards allowed.</summary>
        public IReadOnlyCollection<string>? States { get; init; }
        /// <summary>Hypervisor host names (wildcards) or ids.</summary>
        public IReadOnlyCollection<string>? HostNames { get; init; }
        /// <summary>Versions (wildcards) matched against the template and software version.</summary>
        public IReadOnlyCollection<string>? Versions { get; init; }

        public bool Includes(SystemVmType type) => Types is null || Types.Count == 0 || System.Linq.Enumerable.Contains(Types, type);
    }
}
