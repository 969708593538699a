using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// One <see cref="ConnectionRegistry"/> per PowerShell runspace: a ForEach-Object -Parallel block or a hosted
    /// runspace starts with no connection and its Connect-SysVmCloud does not move the caller's default. The
    /// table holds runspaces weakly, and a closed runspace's connections are disposed with it.
    /// </summary>
    internal static class RunspaceConnections
    {
        private static readonly ConditionalWeakTable<Runspace, ConnectionRegistry> ByRunspace = new ConditionalWeakTable<Runspace, ConnectionRegistry>();
        // A cmdlet run outside any runspace (constructed and invoked directly from C#) still needs somewhere to look.
        private static readonly ConnectionRegistry NoRunspace = new ConnectionRegistry();

        /// <summary>
        /// The registry of the runspace running on this thread. Call it on the pipeline thread (engine workers have
        /// no default runspace): cmdlets capture it once, when PowerShell constructs them.
        /// </summary>
        public static ConnectionRegistry ForCurrentRunspace()
        {
            var runspace = Runspace.DefaultRunspace;
            return runspace is null ? NoRunspace : ByRunspace.GetValue(runspace, Create);
        }

        private static ConnectionRegistry Create(Runspace runspace)
        {
            var registry = new ConnectionRegistry();
            runspace.StateChanged += (_, e) =>
            {
                if (e.RunspaceStateInfo.State == RunspaceState.Closed || e.RunspaceStateInfo.State == RunspaceState.Broken) registry.Clear();
            };
            return registry;
        }
    }
}
