using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>Small conveniences over any <see cref="ICloudStackApi"/> (the real client or a test double).</summary>
    public static class CloudStackApiExtensions
    {
        /// <summary>The management server's version, listCapabilities → capability.cloudstackversion.</summary>
        public static async Task<string> GetManagementVersionAsync(this ICloudStackApi api, CancellationToken cancellationToken)
        {
            var answer = await api.ExecuteAsync("listCapabilities", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
            string? version = answer.GetObject("capability")?.GetString("cloudstackversion");
            if (string.IsNullOrEmpty(version))
                throw new CloudStackTransportException($"listCapabilities on {api.Name} named no cloudstackversion.", "listCapabilities", CloudStackTransportFailure.InvalidResponse);
            return version!;
        }
    }
}
