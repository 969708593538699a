using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using SysVmPatch.Engine.Completion;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>
    /// Run ids of the 20 most recent runs in the history the command line names (-Path or -HistoryPath; default the
    /// user's), newest first; cached and time-boxed like the cloud completers, since a history can be large.
    /// </summary>
    public sealed class RunIdCompleter : IArgumentCompleter
    {
        private const int RecentRuns = 20;

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string? path = CompletionSupport.FirstString(fakeBoundParameters, "Path") ?? CompletionSupport.FirstString(fakeBoundParameters, "HistoryPath");
            var store = new HistoryStore(path);
            var runIds = CompletionSupport.Cache().Get("runs|" + store.Path,
                ct => System.Threading.Tasks.Task.Run(() => CompletionValues.RecentRunIds(store, RecentRuns, ct), ct));
            return CompletionSupport.Results(runIds, wordToComplete);
        }
    }
}
