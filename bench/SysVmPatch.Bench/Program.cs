using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// The benchmark's one command: builds the payload, then per method a fresh namespace lab, runs the method,
    /// checks every VM independently, and prints the figures; then the two listing comparisons.
    /// </summary>
    internal static class Program
    {
        private static async Task<int> Main(string[] args)
        {
            if (args.Length == 2 && args[0] == OursDriver.Verb) return await OursDriver.MainAsync(args[1]);
            BenchOptions o;
            try { o = BenchOptions.Parse(args); }
            catch (Exception e) when (e is ArgumentException || e is FormatException)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(BenchOptions.Usage);
                return 2;
            }
            string? missingLab = SysVmPatch.TestWorld.NamespaceLab.Lab.MissingRequirement();
            if (missingLab != null && o.Methods.Count > 0)
            {
                Console.Error.WriteLine("The namespace lab cannot run here: " + missingLab);
                return 3;
            }

            Console.WriteLine("machine: " + Report.Machine());
            Console.WriteLine($"load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
            if (o.Wan) Console.WriteLine($"WAN mode: {o.UplinkDelayMs} ms each way between workstation and hosts, {o.VmLinkDelayMs} ms between hosts and VMs");
            string work = Path.Combine(Path.GetTempPath(), "svp-bench-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));
            Directory.CreateDirectory(work);
            Console.WriteLine("work files (inventories, logs, step log): " + work);

            using var payload = new Payload(o.AgentMiB, o.ScriptsMiB);
            double agentMiB = payload.Bundle.AgentZipBytes / 1048576.0, scriptsMiB = payload.Bundle.ScriptsBytes / 1048576.0;
            var rounds = new Dictionary<string, List<MethodResult>>();
            var results = new List<MethodResult>();
            foreach (string method in o.Methods)
            {
                string? missing = MethodRunners.Missing(method);
                if (missing == null) { rounds[method] = new List<MethodResult>(); continue; }
                Console.WriteLine($"{method}: SKIPPED: {missing}");
                results.Add(new MethodResult { Method = method, SkipReason = missing });
            }
            var runnable = o.Methods.Where(rounds.ContainsKey).ToList();
            for (int round = 1; round <= o.Rounds; round++)
            {
                // Rotated so no method always runs first (or right after the slowest one) on a machine whose load drifts.
                var order = runnable.Skip((round - 1) % Math.Max(1, runnable.Count)).Concat(runnable.Take((round - 1) % Math.Max(1, runnable.Count)));
                var runners = new MethodRunners(o, payload, o.Rounds == 1 ? work : Path.Combine(work, $"round-{round}"));
                foreach (string method in order)
                {
                    string tag = o.Rounds == 1 ? method : $"{method} (round {round}/{o.Rounds})";
                    Console.WriteLine($"{tag}: starting a fresh lab of {o.Vms} VMs on {o.Hosts} hosts...");
                    var result = await RunOnceAsync(o, payload, runners, method);
                    rounds[method].Add(result);
                    Console.WriteLine($"{tag}: {result.WallSeconds:0.00} s, load {result.LoadAverage:0.0}, exit {result.ExitCode}, {(result.AllPatched ? "every VM patched" : result.Problems.Count + " problem(s)")}");
                }
            }
            foreach (string method in runnable) results.Add(Report.MedianRound(rounds[method]));
            results = results.OrderBy(r => o.Methods.ToList().IndexOf(r.Method)).ToList();
            Console.WriteLine();
            Console.WriteLine(Report.Table(o, results, agentMiB, scriptsMiB));

            var listings = new List<ListingResult>();
            if (o.Routers > 0)
            {
                listings.Add(await ListingBenchmarks.InventoryAsync(o.Routers, TimeSpan.Zero));
                listings.Add(await ListingBenchmarks.InventoryAsync(o.Routers, TimeSpan.FromMilliseconds(50)));
            }
            if (o.HistoryRecords > 0) listings.Add(ListingBenchmarks.History(o.HistoryRecords));
            foreach (var l in listings) Console.WriteLine(Report.Listing(l));

            if (o.JsonOut != null) Report.WriteJson(o.JsonOut, o, results, listings);
            return results.All(r => !r.Ran || r.AllPatched) ? 0 : 1;
        }

        private static async Task<MethodResult> RunOnceAsync(BenchOptions o, Payload payload, MethodRunners runners, string method)
        {
            await using var world = await BenchWorld.StartAsync(o, withManagementServer: method == "pwsh");
            double load = BenchWorld.LoadAverage();
            world.MarkStart();
            var (run, vms, note) = await runners.RunAsync(method, world);
            double machineCpu = world.MachineCpuSeconds();
            var result = new MethodResult
            {
                Method = method, Ran = true, WallSeconds = run.Wall.TotalSeconds, CpuSeconds = run.CpuSeconds, MachineCpuSeconds = machineCpu, Vms = vms,
                VmConnections = world.VmConnections(), HostConnections = world.HostConnections(), BytesSent = world.BytesSent(),
                Problems = PatchVerifier.Problems(world.Lab, payload), ExitCode = run.ExitCode, Note = note, LoadAverage = load,
            };
            if (vms.Count != o.Vms) result = result with { Problems = result.Problems.Append($"{method}: reported {vms.Count} VMs, expected {o.Vms}").ToList() };
            return result;
        }
    }
}
