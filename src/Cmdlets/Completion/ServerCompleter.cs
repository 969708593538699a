using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using SysVmPatch.Cmdlets.Infrastructure;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>The names of this runspace's connections (Connect-SysVmCloud), the default one first. No network.</summary>
    public sealed class ServerCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var registry = RunspaceConnections.ForCurrentRunspace();
            var byDefaultFirst = registry.All.OrderBy(c => ReferenceEquals(c, registry.Default) ? 0 : 1).Select(c => c.Name);
            return CompletionSupport.Results(byDefaultFirst, wordToComplete);
        }
    }
}
