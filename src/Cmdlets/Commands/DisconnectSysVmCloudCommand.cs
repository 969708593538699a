using System.Management.Automation;
using SysVmPatch.Cmdlets.Completion;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>Forgets a management-server connection (the default one when no name is given).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "SysVmCloud")]
    [OutputType(typeof(void))]
    public sealed class DisconnectSysVmCloudCommand : SysVmPatchCmdlet
    {
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string[]? Server { get; set; }

        protected override void ProcessRecord()
        {
            var names = Server ?? new[] { Connections.Default?.Name ?? "" };
            foreach (var name in names)
            {
                if (!Connections.Remove(name))
                    WriteEngineError(new CloudStackSettingsException(name.Length == 0 ? "Not connected to any CloudStack management server." : $"No connection named '{name}'."),
                    "ConnectionNotFound", ErrorCategory.ObjectNotFound, name);
            }
        }
    }
}
