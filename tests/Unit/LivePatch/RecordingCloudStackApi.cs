using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>Records the async jobs the engine asks for and answers each as done.</summary>
    internal sealed class RecordingCloudStackApi : ICloudStackApi
    {
        public string Name => "lab";
        public ConcurrentQueue<(string Command, IReadOnlyDictionary<string, string> Parameters, DateTime At)> Jobs { get; } = new();

        public Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
            throw new NotSupportedException(command);

        /// <summary>Lists nothing: the records a reconcile reads after its restart are then unknown to it.</summary>
        public Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<IDictionary<string, object?>>>(Array.Empty<IDictionary<string, object?>>());

        public Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
        {
            Jobs.Enqueue((command, parameters, DateTime.UtcNow));
            return Task.FromResult(new AsyncJobResult("job-" + Jobs.Count, new Dictionary<string, object?>()));
        }
    }
}
