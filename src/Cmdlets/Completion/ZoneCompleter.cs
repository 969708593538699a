using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>Zone names of the connected cloud (listZones), from the connection named by -Server or the default one; cached, time-boxed.</summary>
    public sealed class ZoneCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionSupport.Results(CompletionSupport.FromCloud("zones", fakeBoundParameters, CompletionValues.ZoneNamesAsync), wordToComplete);
    }
}
