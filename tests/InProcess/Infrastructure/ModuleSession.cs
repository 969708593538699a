using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SysVmPatch.InProcess.Infrastructure
{
    /// <summary>
    /// A runspace with the built SysVmPatch.dll imported as a binary module, as Import-Module does, and a host
    /// that answers prompts. Each test gets its own, so connections and preferences never leak between tests.
    /// </summary>
    internal sealed class ModuleSession : IDisposable
    {
        public AnsweringHost Host { get; } = new AnsweringHost();
        public Runspace Runspace { get; }
        /// <summary>A history file of this session's own ($HistoryPath in scripts), so tests never touch the user's.</summary>
        public string HistoryPath { get; } = Path.Combine(Path.GetTempPath(), "sysvmpatch-inproc-" + Guid.NewGuid().ToString("N"), "history.jsonl");

        /// <param name="withUserInterface">False: a runspace on PowerShell's default host, which has no UI, as an
        /// application hosting PowerShell (a DSC adapter, a service) has; nobody can answer a prompt there.</param>
        /// <param name="hostWithoutUi">With <paramref name="withUserInterface"/> false: the application's own host instead
        /// of PowerShell's default one.</param>
        public ModuleSession(bool withUserInterface = true, System.Management.Automation.Host.PSHost? hostWithoutUi = null)
        {
            var state = InitialSessionState.CreateDefault2();
            state.ImportPSModule(ModulePath);
            Runspace = withUserInterface ? RunspaceFactory.CreateRunspace(Host, state)
                : hostWithoutUi != null ? RunspaceFactory.CreateRunspace(hostWithoutUi, state) : RunspaceFactory.CreateRunspace(state);
            Runspace.Open();
            // Not $env:SYSVMPATCH_HISTORY_PATH: the environment is the process's, shared by tests running at once.
            Runspace.SessionStateProxy.SetVariable("HistoryPath", HistoryPath);
        }

        /// <summary>The cmdlet assembly the test project built (beside the tests).</summary>
        public static string ModulePath => typeof(SysVmPatch.Cmdlets.Commands.GetSystemVmCommand).Assembly.Location;

        /// <summary>Runs a script; returns its output and the PowerShell object (streams, HadErrors).</summary>
        public (Collection<PSObject> Output, PowerShell Shell) Run(string script, IDictionary<string, object?>? variables = null)
        {
            var ps = PowerShell.Create();
            ps.Runspace = Runspace;
            if (variables != null)
                foreach (var v in variables) Runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
            ps.AddScript(script);
            var output = ps.Invoke();
            return (output, ps);
        }

        /// <summary>Runs a script that must not fail; a terminating error fails the test with its text.</summary>
        public Collection<PSObject> Ok(string script, IDictionary<string, object?>? variables = null)
        {
            var (output, ps) = Run(script, variables);
            Assert.True(ps.Streams.Error.Count == 0, "errors: " + string.Join(" | ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            ps.Dispose();
            return output;
        }

        /// <summary>
        /// Runs a script expected to end in a terminating error (ThrowTerminatingError, or a binding error); returns its
        /// ErrorRecord. try/catch is what tells terminating from non-terminating errors: only the first are caught.
        /// </summary>
        public ErrorRecord Terminating(string script)
        {
            var output = Ok("try { " + script + " ; 'no terminating error' } catch { $_ }");
            var record = output.LastOrDefault()?.BaseObject as ErrorRecord;
            Assert.True(record != null, "expected a terminating error from: " + script);
            return record!;
        }

        public void Dispose()
        {
            Runspace.Dispose();
            try { Directory.Delete(Path.GetDirectoryName(HistoryPath)!, recursive: true); } catch (IOException) { }
        }
    }
}
