using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>Hypervisor host names of the connected cloud (listHosts type=Routing), from the connection named by -Server or the default one; cached, time-boxed.</summary>
    public sealed class HostNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionSupport.Results(CompletionSupport.FromCloud("hosts", fakeBoundParameters, CompletionValues.HostNamesAsync), wordToComplete);
    }
}
