using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>Starts fake servers and real clients against them, with short retry pauses so failure tests stay quick.</summary>
    internal static class FakeServerHarness
    {
        /// <summary>2 zones × 3 hosts × 5 VMs: 2 SSVM, 2 CPVM, 26 routers (a redundant pair per zone).</summary>
        public static ResolvedLab Lab() => new ResolvedLab(LabSpec.Generate(2, 3, 5));

        public static Task<FakeCloudStackServer> StartAsync(FakeCloudStackOptions? options = null, IVmPowerControl? power = null, ResolvedLab? lab = null) =>
            FakeCloudStackServer.StartAsync(lab ?? Lab(), power, options ?? new FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(100) });

        public static CloudStackConnectionSettings Settings(FakeCloudStackServer server, string? secret = null) =>
            CloudStackConnectionSettings.Create(server.Endpoint.AbsoluteUri, server.ApiKey, new CloudStackSecret(secret ?? server.SecretKey), server.Name)
                .With(retryBaseDelay: TimeSpan.FromMilliseconds(20), retryMaxDelay: TimeSpan.FromMilliseconds(100),
                      jobPollInitialDelay: TimeSpan.FromMilliseconds(50), jobPollMaxDelay: TimeSpan.FromMilliseconds(200), timeout: TimeSpan.FromSeconds(20),
                      allowUnencryptedAuthentication: true); // the fake serves plain http unless a test asks for https

        public static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

        public static Dictionary<string, string> P(params (string Name, string Value)[] pairs)
        {
            var d = new Dictionary<string, string>();
            foreach (var (n, v) in pairs) d[n] = v;
            return d;
        }

        /// <summary>The secret must be in no message, no ToString, no inner exception of what the client throws.</summary>
        public static void AssertNoSecret(Exception e, string secret)
        {
            Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
            for (Exception? x = e; x != null; x = x.InnerException) Assert.DoesNotContain(secret, x.Message, StringComparison.Ordinal);
            if (e is CloudStackApiException api) Assert.DoesNotContain(secret, api.ErrorText ?? "", StringComparison.Ordinal);
            if (e is CloudStackJobFailedException job) Assert.DoesNotContain(secret, job.ErrorText ?? "", StringComparison.Ordinal);
        }
    }

    /// <summary>An <see cref="IVmPowerControl"/> that records what the fake server asked for.</summary>
    internal sealed class RecordingPowerControl : IVmPowerControl
    {
        public ConcurrentQueue<string> Actions { get; } = new ConcurrentQueue<string>();
        /// <summary>When set, a stop waits for it, so a test can look at the VM mid-stop.</summary>
        public TaskCompletionSource? HoldStop { get; init; }
        /// <summary>Completed when a stop has been asked for.</summary>
        public TaskCompletionSource StopReached { get; } = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task StopVmAsync(string vmName, CancellationToken cancellationToken)
        {
            Actions.Enqueue("stop " + vmName);
            StopReached.TrySetResult();
            if (HoldStop != null) await HoldStop.Task.WaitAsync(cancellationToken);
        }

        public Task StartVmAsync(string vmName, CancellationToken cancellationToken)
        {
            Actions.Enqueue("start " + vmName);
            return Task.CompletedTask;
        }
    }
}
