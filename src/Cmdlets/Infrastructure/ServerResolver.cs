using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using System.Linq;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>Turns a cmdlet's -Server values into connections: none given means the default connection.</summary>
    internal static class ServerResolver
    {
        /// <summary>Throws CloudStackSettingsException naming the unknown server, or saying to connect first.</summary>
        public static IReadOnlyList<ICloudStackApi> Resolve(ConnectionRegistry registry, string[]? servers) =>
            servers is null || servers.Length == 0
                ? new[] { registry.Get(null) }
                : servers.Distinct(System.StringComparer.OrdinalIgnoreCase).Select(s => registry.Get(s)).ToList();

        /// <summary>
        /// Runs <paramref name="work"/> with the clients' request log going to this cmdlet's -Verbose stream, and
        /// unhooks it afterwards whatever happens (the clients outlive the cmdlet).
        /// </summary>
        public static async Task<T> WithVerbose<T>(IReadOnlyList<ICloudStackApi> servers, PipelinePump pump, Func<Task<T>> work)
        {
            var clients = servers.OfType<CloudStackClient>().ToList();
            foreach (var c in clients) c.VerboseLog = pump.Verbose;
            try { return await work().ConfigureAwait(false); }
            finally { foreach (var c in clients) c.VerboseLog = null; }
        }
    }
}
