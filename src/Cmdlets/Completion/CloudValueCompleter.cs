using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>
    /// A completer of values read from the connected cloud, from the connection named by -Server or the default one;
    /// cached per runspace, time-boxed. Each kind of value is a subclass that says what it reads.
    /// </summary>
    public abstract class CloudValueCompleter : IArgumentCompleter
    {
        private readonly string _kind;
        private readonly Func<ICloudStackApi, CancellationToken, Task<IReadOnlyList<string>>> _fetch;

        /// <param name="kind">The cache's name for these values.</param>
        /// <param name="fetch">Reads them from one connection.</param>
        protected CloudValueCompleter(string kind, Func<ICloudStackApi, CancellationToken, Task<IReadOnlyList<string>>> fetch)
        {
            _kind = kind;
            _fetch = fetch;
        }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CompletionSupport.Results(CompletionSupport.FromCloud(_kind, fakeBoundParameters, _fetch), wordToComplete);
    }
}
