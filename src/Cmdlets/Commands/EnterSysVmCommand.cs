using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Completion;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Fleet;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Opens an interactive shell on one VM through its hypervisor host, in this console, with the OpenSSH client
    /// (a terminal needs it; see the help). $LASTEXITCODE is the remote shell's exit code afterwards.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "SysVm", DefaultParameterSetName = ByName)]
    [OutputType(typeof(void))]
    public sealed class EnterSysVmCommand : SshCmdlet
    {
        private const string ByName = "ByName";
        private const string ByVm = "ByVm";
        private readonly List<SystemVm> _vms = new List<SystemVm>();

        /// <summary>The VM's name, exactly (it is looked up on the -Server connection).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string Name { get; set; } = "";

        /// <summary>The connection to look the name up on; default: the default connection.</summary>
        [Parameter(ParameterSetName = ByName)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string? Server { get; set; }

        /// <summary>One VM from Get-SystemVm.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByVm)]
        public SystemVm? Vm { get; set; }

        /// <summary>The history file; default $env:SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? HistoryPath { get; set; }

        protected override void ProcessRecord()
        {
            if (Vm != null) _vms.Add(Vm);
        }

        protected override void EndProcessing()
        {
            if (KeyPassphrase != null)
                Fail(new PSArgumentException("Enter-SysVm runs the OpenSSH client, which takes an encrypted key's passphrase from ssh-agent, not from -KeyPassphrase."),
                    "KeyPassphraseNotSupported", ErrorCategory.InvalidArgument, null);
            var vm = ParameterSetName == ByName ? Lookup() : One();
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Transport)) && Transport != SshTransport.OpenSsh)
                WriteVerbose("An interactive shell always uses the OpenSSH client, whatever -Transport says.");

            var watch = Stopwatch.StartNew();
            var history = new HistoryRecorder(new HistoryStore(HistoryPath is null ? null : GetUnresolvedProviderPathFromPSPath(HistoryPath)), WriteWarning);
            string runId = RunId.New();
            try
            {
                var shell = InteractiveShell.For(vm, RouteOptions());
                WriteVerbose($"opening a shell on {vm.Name} through {vm.HostName ?? vm.HostAddress ?? "its address"}");
                int exitCode = RunEngine((pump, ct) => shell.RunAsync(ct));
                history.Record(InteractiveShell.History(vm, runId, exitCode, null, watch.Elapsed));
                // As a native command does: scripts test $LASTEXITCODE after the shell ends.
                SessionState.PSVariable.Set("global:LASTEXITCODE", exitCode);
            }
            catch (VmAccessException e)
            {
                history.Record(InteractiveShell.History(vm, runId, null, e.Message, watch.Elapsed));
                Fail(e, vm);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                history.Record(InteractiveShell.History(vm, runId, null, "stopped", watch.Elapsed));
            }
        }

        private SystemVm One()
        {
            if (_vms.Count != 1)
                Fail(new PSArgumentException($"Enter-SysVm opens a shell on one VM; {_vms.Count} were piped ({string.Join(", ", _vms.Take(5).Select(v => v.Name))})."),
                    "OneVmExpected", ErrorCategory.InvalidArgument, _vms);
            return _vms[0];
        }

        private SystemVm Lookup()
        {
            IReadOnlyList<SystemVm> found = Array.Empty<SystemVm>();
            try
            {
                var servers = ServerResolver.Resolve(Connections, new[] { Server ?? Connections.Get(null).Name });
                var query = new InventoryQuery { Names = name => string.Equals(name, Name, StringComparison.OrdinalIgnoreCase) };
                found = RunEngine((pump, ct) => InventoryReader.ReadAsync(servers, new[] { query }, ct));
            }
            catch (CloudStackSettingsException e) { Fail(e, "NotConnected", ErrorCategory.ConnectionError, Server); }
            catch (CloudStackException e) { Fail(e, "CloudStackRequestFailed", ErrorCategory.ConnectionError, e.Command); }
            if (found.Count == 0)
                Fail(new ItemNotFoundException($"No system VM or router is named '{Engine.Text.ConsoleText.Escape(Name, 100)}' on {Server ?? "the default connection"}."),
                    "VmNotFound", ErrorCategory.ObjectNotFound, Name);
            return found[0];
        }
    }
}
