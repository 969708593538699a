using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>Hypervisor host names of the connected cloud (listHosts type=Routing), from the connection named by -Server or the default one; cached, time-boxed.</summary>
    public sealed class HostNameCompleter : CloudValueCompleter
    {
        public HostNameCompleter() : base("hosts", CompletionValues.HostNamesAsync) { }
    }
}
