using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Bench
{
    /// <summary>What the parent hands the "ours" driver process.</summary>
    public sealed record OursJob(int Vms, int Hosts, string BundleFolder, int Parallel, string IdentityFile, string KnownHostsFile, string ResultFile);

    /// <summary>What the "ours" driver process reports back.</summary>
    public sealed record OursReport(double EngineSeconds, int Connections, List<VmTiming> Vms, List<string> StepLog);

    /// <summary>One VM's outcome and how long its patch took, as a method saw it.</summary>
    public sealed record VmTiming(string Vm, bool Ok, double Seconds, string? Error);

    /// <summary>
    /// The "ours" driver, run as its own process (like the other two) so its CPU is measured the same way: the
    /// code path Invoke-LivePatch takes, LivePatchService.RunAsync with the OpenSSH transport, one batch of
    /// every VM at the benchmark's parallelism.
    /// </summary>
    public static class OursDriver
    {
        public const string Verb = "drive-ours";

        public static async Task<int> MainAsync(string jobFile)
        {
            var job = JsonSerializer.Deserialize<OursJob>(File.ReadAllText(jobFile))!;
            var topology = new ResolvedLab(LabSpec.Generate(1, job.Hosts, job.Vms / job.Hosts));
            var vms = BenchWorld.AsSystemVms(topology);
            var options = new LivePatchOptions
            {
                Bundle = PatchBundle.Load(job.BundleFolder, Payload.Version),
                Rollout = new RolloutOptions { BatchSize = vms.Count, ThrottleLimit = job.Parallel },
                Ssh = new SshRouteOptions { IdentityFile = job.IdentityFile, KnownHostsFile = job.KnownHostsFile, ConnectTimeout = TimeSpan.FromSeconds(10) },
                AgentTimeout = TimeSpan.FromMinutes(5),
            };
            var service = new LivePatchService();
            var steps = new List<string>();
            var clock = Stopwatch.StartNew();
            var results = await service.RunAsync(vms, options, e =>
            {
                if (e.Kind == LivePatchEventKind.Step) lock (steps) steps.Add($"{clock.Elapsed.TotalSeconds:0.000} {e.VmName} {e.Message}");
            }, CancellationToken.None);
            double seconds = clock.Elapsed.TotalSeconds;
            var timings = results.Select(r => new VmTiming(r.VmName, r.Status == LivePatchStatus.Patched, r.Duration.TotalSeconds,
                r.Status == LivePatchStatus.Patched ? null : $"{r.Status} {r.FailedStep} {r.Error}")).ToList();
            File.WriteAllText(job.ResultFile, JsonSerializer.Serialize(new OursReport(seconds, service.LastRunConnections, timings, steps)));
            return timings.All(t => t.Ok) ? 0 : 1;
        }
    }
}
