using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>System VM and router names of the connected cloud (listSystemVms, listRouters), from the connection named by -Server or the default one; cached, time-boxed.</summary>
    public sealed class VmNameCompleter : CloudValueCompleter
    {
        public VmNameCompleter() : base("vms", CompletionValues.VmNamesAsync) { }
    }
}
