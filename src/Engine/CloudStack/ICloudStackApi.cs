using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// One management server, spoken to with signed requests. Everything above the transport (inventory,
    /// restarts, API-driven patching) talks to this interface, so it is tested against the fake server and
    /// the real client alike.
    /// </summary>
    public interface ICloudStackApi
    {
        /// <summary>The connection's name (the -Server value that selects it).</summary>
        string Name { get; }

        /// <summary>
        /// Sends one command and returns the object inside its "&lt;command&gt;response" wrapper.
        /// Throws CloudStackApiException with errorcode/cserrorcode/errortext on an API error.
        /// </summary>
        Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken);

        /// <summary>
        /// Reads every page of a list command (page/pagesize, count is the total) and returns the items
        /// under <paramref name="itemName"/> ("systemvm", "router", "host"); an empty list is an empty result.
        /// </summary>
        Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken);

        /// <summary>
        /// Starts an async command, polls queryAsyncJobResult with backoff until it ends, and returns the
        /// job's jobresult object; a failed job throws CloudStackJobFailedException carrying the job id.
        /// </summary>
        Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken);
    }

    /// <summary>The end of an async job: its id and the jobresult object.</summary>
    public sealed record AsyncJobResult(string JobId, IDictionary<string, object?> Result);
}
