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
using SysVmPatch.Engine.Ssh.SshNet;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Bench
{
    /// <summary>What the parent hands the "ours" driver process.</summary>
    public sealed record OursJob(int Vms, int Hosts, string BundleFolder, int Parallel, string IdentityFile, string KnownHostsFile, string ResultFile, bool IgnorePairs = false, string Transport = "openssh", bool DefaultPool = false);

    /// <summary>What the "ours" driver process reports back.</summary>
    public sealed record OursReport(double EngineSeconds, int Connections, List<VmTiming> Vms, List<string> StepLog, List<string> Phases, double ProcessCpuSeconds, int JumpConnections = 0, string? Pool = null);

    /// <summary>One VM's outcome and how long its patch took, as a method saw it.</summary>
    public sealed record VmTiming(string Vm, bool Ok, double Seconds, string? Error);

    /// <summary>
    /// The engine's driver, run as its own process (like the other methods) so its CPU is measured the same way:
    /// the code path Invoke-LivePatch takes, LivePatchService.RunAsync on the job's transport (SSH.NET or OpenSSH),
    /// one batch of every VM at the benchmark's parallelism.
    /// </summary>
    public static class OursDriver
    {
        public const string Verb = "drive-ours";

        public static async Task<int> MainAsync(string jobFile)
        {
            var job = JsonSerializer.Deserialize<OursJob>(File.ReadAllText(jobFile))!;
            var topology = new ResolvedLab(LabSpec.Generate(1, job.Hosts, job.Vms / job.Hosts));
            var vms = BenchWorld.AsSystemVms(topology);
            if (job.IgnorePairs) vms = vms.Select(v => v with { IsRedundant = false, RedundantState = null, NetworkId = v.Name }).ToList();
            var options = new LivePatchOptions
            {
                Bundle = PatchBundle.Load(job.BundleFolder, Payload.Version),
                Rollout = new RolloutOptions { BatchSize = vms.Count, ThrottleLimit = job.Parallel },
                Ssh = new SshRouteOptions { IdentityFile = job.IdentityFile, KnownHostsFile = job.KnownHostsFile, ConnectTimeout = TimeSpan.FromSeconds(10) },
                AgentTimeout = TimeSpan.FromMinutes(5),
            };
            bool sshNet = job.Transport == "sshnet";
            SshNetClient? sshNetClient = null;
            var service = new LivePatchService(o =>
            {
                if (!sshNet) return new OpenSshClient(o.ShareConnections);
                sshNetClient = new SshNetClient(new SshNetClientOptions { Parallelism = job.Parallel, SizeThreadPool = !job.DefaultPool });
                // Diagnostic: what SSH.NET costs without the client's thread-pool sizing (the pool's default minimum).
                return sshNetClient;
            });
            using var sampler = new PoolSampler();
            var steps = new List<string>();
            var marks = new Dictionary<string, Dictionary<string, double>>();
            var clock = Stopwatch.StartNew();
            var results = await service.RunAsync(vms, options, e =>
            {
                double t = clock.Elapsed.TotalSeconds;
                lock (steps)
                {
                    if (e.Kind == LivePatchEventKind.Step) steps.Add($"{t:0.000} {e.VmName} {e.Message}");
                    if (e.Kind == LivePatchEventKind.Result) steps.Add($"{t:0.000} {e.VmName} RESULT {e.Result?.Status} batch {e.Result?.Batch}");
                    string? phase = e.Kind == LivePatchEventKind.Result ? "result" : e.Kind != LivePatchEventKind.Step || e.Message == null ? null
                        : e.Message.StartsWith("connect ", StringComparison.Ordinal) ? "connect"
                        : e.Message.StartsWith("preflight ok", StringComparison.Ordinal) ? "preflight"
                        : e.Message.StartsWith("upload ok", StringComparison.Ordinal) ? "upload"
                        : e.Message == "agent started detached" ? "started"
                        : e.Message.StartsWith("end ", StringComparison.Ordinal) ? "agent-end" : null;
                    if (phase != null && e.VmName != null)
                    {
                        if (!marks.TryGetValue(e.VmName, out var m)) marks[e.VmName] = m = new Dictionary<string, double>();
                        m.TryAdd(phase, t);
                    }
                }
            }, CancellationToken.None);
            double seconds = clock.Elapsed.TotalSeconds;
            sampler.Dispose();
            var timings = results.Select(r => new VmTiming(r.VmName, r.Status == LivePatchStatus.Patched, r.Duration.TotalSeconds,
                r.Status == LivePatchStatus.Patched ? null : $"{r.Status} {r.FailedStep} {r.Error}")).ToList();
            File.WriteAllText(job.ResultFile, JsonSerializer.Serialize(new OursReport(seconds, service.LastRunConnections, timings, steps, Phases(marks),
                // The .NET process alone, without its ssh children: tells the engine's own cost from OpenSSH's.
                Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, sshNetClient?.JumpConnectionsOpened ?? 0, (job.DefaultPool ? "DIAGNOSTIC RUN with the pool's default minimum; " : "") + sampler.Summary())));
            return timings.All(t => t.Ok) ? 0 : 1;
        }

        // Where each VM's time goes, from the engine's own step events: median and p95 over the VMs per phase.
        private static List<string> Phases(Dictionary<string, Dictionary<string, double>> marks)
        {
            var spans = new[]
            {
                ("rollout start -> connect", (string?)null, "connect"),
                ("connect + preflight", "connect", "preflight"),
                ("upload + verify", "preflight", "upload"),
                ("lock + start agent", "upload", "started"),
                ("agent: backup..validate", "started", "agent-end"),
                ("agent end -> result", "agent-end", "result"),
            };
            var lines = new List<string>();
            foreach (var (name, from, to) in spans)
            {
                var d = marks.Values.Where(m => (from == null || m.ContainsKey(from)) && m.ContainsKey(to))
                    .Select(m => m[to] - (from == null ? 0 : m[from])).OrderBy(x => x).ToList();
                if (d.Count == 0) continue;
                lines.Add($"{name}: median {d[(d.Count - 1) / 2]:0.00} s, p95 {d[Math.Max(0, (int)Math.Ceiling(0.95 * d.Count) - 1)]:0.00} s, max {d[^1]:0.00} s");
            }
            return lines;
        }
    }
}
