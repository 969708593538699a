using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>Zone names of the connected cloud (listZones), from the connection named by -Server or the default one; cached, time-boxed.</summary>
    public sealed class ZoneCompleter : CloudValueCompleter
    {
        public ZoneCompleter() : base("zones", CompletionValues.ZoneNamesAsync) { }
    }
}
