using System;
using System.Collections.Generic;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Completion;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Lists secondary storage VMs, console proxy VMs and virtual routers as one object type, reading every
    /// page of listSystemVms, listRouters and listHosts concurrently on each management server.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SystemVm", DefaultParameterSetName = "Filter")]
    [OutputType(typeof(SystemVm))]
    public sealed class GetSystemVmCommand : SysVmPatchCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [Alias("VmName")]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("VmId")]
        public string[]? Id { get; set; }

        [Parameter]
        public SystemVmType[]? Type { get; set; }

        /// <summary>Zone names (wildcards) or ids; binds a zone object's name or a VM's ZoneName.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [Alias("ZoneName", "ZoneId")]
        [ArgumentCompleter(typeof(ZoneCompleter))]
        public string[]? Zone { get; set; }

        [Parameter]
        [SupportsWildcards]
        public string[]? State { get; set; }

        /// <summary>Hypervisor host names (wildcards) or ids.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [Alias("HostId")]
        [ArgumentCompleter(typeof(HostNameCompleter))]
        public string[]? HostName { get; set; }

        [Parameter]
        [SupportsWildcards]
        public string[]? Version { get; set; }

        /// <summary>Connection names; default: the default connection. Binds the Server of piped VMs and history records.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string[]? Server { get; set; }

        // Piped inputs are collected and answered from one read of each server, not one read per input.
        private readonly List<InventoryQuery> _queries = new List<InventoryQuery>();
        private readonly List<string> _servers = new List<string>();
        private bool _defaultServer;

        protected override void ProcessRecord()
        {
            _queries.Add(new InventoryQuery
            {
                Names = Wildcards(Name, nameof(Name)), Ids = Id, Types = Type, Zones = Wildcards(Zone, nameof(Zone)), States = Wildcards(State, nameof(State)),
                HostNames = Wildcards(HostName, nameof(HostName)), Versions = Wildcards(Version, nameof(Version)),
            });
            if (Server is null || Server.Length == 0) _defaultServer = true;
            else _servers.AddRange(Server);
        }

        protected override void EndProcessing()
        {
            try
            {
                var names = new List<string>(_servers);
                if (_defaultServer) names.Add(Connections.Get(null).Name);
                var servers = ServerResolver.Resolve(Connections, names.ToArray());
                var vms = RunEngine((pump, ct) => ServerResolver.WithVerbose(servers, pump, () => InventoryReader.ReadAsync(servers, _queries, ct)));
                WriteObject(vms, enumerateCollection: true);
            }
            catch (CloudStackSettingsException e)
            {
                Fail(e, "NotConnected", ErrorCategory.ConnectionError, Server);
            }
            catch (CloudStackException e)
            {
                Fail(e, e is CloudStackApiException api && api.HttpStatus == 401 ? "CloudStackAuthenticationFailed" : "CloudStackRequestFailed",
                    ErrorCategory.ConnectionError, e.Command);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell stops the pipeline itself.
            }
        }
    }
}
