using System.Linq;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Completion;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>Lists the management-server connections of this session; the default one is marked.</summary>
    [Cmdlet(VerbsCommon.Get, "SysVmCloud")]
    [OutputType(typeof(CloudConnectionInfo))]
    public sealed class GetSysVmCloudCommand : SysVmPatchCmdlet
    {
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ServerCompleter))]
        public string[]? Name { get; set; }

        protected override void EndProcessing()
        {
            var matches = Wildcards(Name, nameof(Name));
            var current = Connections.Default;
            var all = Connections.All.OfType<CloudStackClient>().ToList();
            foreach (var api in all)
            {
                if (matches != null && !matches(api.Name)) continue;
                WriteObject(CloudConnectionInfo.From(api, ReferenceEquals(api, current)));
            }
            // Like Get-Process -Name: a plain name that matches nothing is an error; a wildcard that matches nothing is not.
            foreach (var name in Name ?? new string[0])
            {
                if (WildcardPattern.ContainsWildcardCharacters(name)) continue;
                if (!all.Any(a => string.Equals(a.Name, name, System.StringComparison.OrdinalIgnoreCase)))
                    WriteEngineError(new CloudStackSettingsException($"No connection named '{name}'."), "ConnectionNotFound", ErrorCategory.ObjectNotFound, name);
            }
        }
    }
}
