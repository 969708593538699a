using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;


namespace SysVmPatch.Bench
{
    /// <summary>The printed table, the ratios against the goals, and the JSON the smoke test reads.</summary>
    public static class Report
    {
        public static string Machine()
        {
            string cpu = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
                : "?";
            string mem = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").First().Split(':', 2)[1].Trim() : "?";
            string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
            return $"{Environment.ProcessorCount} cores ({cpu}), {mem} RAM, Linux {kernel}, .NET {Environment.Version}";
        }

        /// <summary>
        /// The round with the median wall time among the complete rounds stands for the method (its per-VM figures come with it). A round in
        /// which any VM was left unpatched makes the method's result carry those problems whatever its time.
        /// </summary>
        public static MethodResult MedianRound(IReadOnlyList<MethodResult> rounds)
        {
            // A round cut short (every VM failed in 5 s) must not stand for the method's speed: the median is taken
            // over the rounds that patched every VM, when there are any; the problems of all rounds are kept.
            var complete = rounds.Where(r => r.Problems.Count == 0).ToList();
            var eligible = complete.Count > 0 ? complete : rounds.ToList();
            var median = eligible.OrderBy(r => r.WallSeconds).ElementAt((eligible.Count - 1) / 2);
            var problems = rounds.SelectMany((r, i) => r.Problems.Select(p => rounds.Count == 1 ? p : $"{p} (round {i + 1})")).ToList();
            return median with { Problems = problems, RoundWalls = rounds.Select(r => r.WallSeconds).ToList(), RoundLoads = rounds.Select(r => r.LoadAverage).ToList() };
        }

        public static string Table(BenchOptions o, IReadOnlyList<MethodResult> results, double agentMiB, double scriptsMiB)
        {
            var sb = new StringBuilder();
            sb.AppendLine(Inv($"Live patch of {o.Vms} VMs (2 SSVM/CPVM + {o.Vms - 2} routers) behind {o.Hosts} hosts, parallelism {o.Parallel}; agent.zip {agentMiB:0.#} MiB (SSVM/CPVM only), cloud-scripts.tgz {scriptsMiB:0.#} MiB; a fresh lab per method and round")
                + (o.Rounds > 1 ? $"; each method's median-wall round of {o.Rounds} (of those that patched every VM, if any)" : ""));
            sb.AppendLine(Inv($"{"method",-8} {"patched",9} {"wall s",7} {"VM med s",8} {"VM p95 s",8} {"SSH/VM",6} {"jumps/VM",8} {"hs/VM",5} {"MiB sent",8} {"CPU s",6} {"all CPU",7} {"slots",5} {"load",5}"));
            foreach (var r in results)
            {
                if (!r.Ran) { sb.AppendLine($"{r.Method,-8} SKIPPED: {r.SkipReason}"); continue; }
                int ok = r.Vms.Count - r.Problems.Select(p => p.Split(':')[0]).Distinct().Count();
                sb.AppendLine(Inv($"{r.Method,-8} {Math.Max(0, ok) + "/" + r.Vms.Count,9} {r.WallSeconds,7:0.00} {r.MedianVmSeconds,8:0.00} {r.P95VmSeconds,8:0.00} {r.ConnectionsPerVm,6:0.##} {r.HostConnectionsPerVm,8:0.##} {r.HandshakesPerVm,5:0.00} {r.BytesSent / 1048576.0,8:0.0} {(r.CpuSeconds is double c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "n/a"),6} {r.MachineCpuSeconds,7:0.0} {(r.Method == "ansible" ? "n/a" : r.SlotUse(o.Parallel).ToString("P0", CultureInfo.InvariantCulture)),5} {r.LoadAverage,5:0.0}"));
            }
            if (o.Rounds > 1)
                foreach (var r in results.Where(r => r.Ran))
                    sb.AppendLine(Inv($"{r.Method,-8} rounds: wall {string.Join(" / ", r.RoundWalls.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))} s; load at start {string.Join(" / ", r.RoundLoads.Select(w => w.ToString("0.0", CultureInfo.InvariantCulture)))}"));
            // Ansible interleaves hosts (free strategy), so its per-VM span includes waits for a fork: no slot figure.
            var by = results.Where(r => r.Ran).ToDictionary(r => r.Method);
            foreach (string ours in new[] { "sshnet", "openssh", "pwsh", BenchOptions.DefaultPoolMethod })
            {
                if (!by.TryGetValue(ours, out var a)) continue;
                foreach (var b in results.Where(r => r.Ran && r.Method != ours && (r.Method == "floor" || r.Method == "ansible" || (ours == "sshnet" && r.Method == "openssh") || (ours == BenchOptions.DefaultPoolMethod && r.Method == "sshnet"))))
                    sb.AppendLine(Inv($"{ours}/{b.Method}: wall {a.WallSeconds / b.WallSeconds:0.00}x, VM median {Ratio(a.MedianVmSeconds, b.MedianVmSeconds)}, bytes {Ratio(a.BytesSent, b.BytesSent)}, CPU {Ratio(a.CpuSeconds, b.CpuSeconds)}, all CPU {Ratio(a.MachineCpuSeconds, b.MachineCpuSeconds)}, handshakes {Ratio(a.HandshakesPerVm, b.HandshakesPerVm)}"));
            }
            foreach (string goal in Goals(o, by)) sb.AppendLine(goal);
            foreach (var r in results.Where(r => r.Ran && r.Problems.Count > 0))
                sb.AppendLine($"{r.Method}: NOT every VM patched: " + string.Join("; ", r.Problems.Take(10)) + (r.Problems.Count > 10 ? $"; ... {r.Problems.Count - 10} more" : ""));
            foreach (var r in results.Where(r => r.Note != null)) sb.AppendLine($"{r.Method}: {r.Note}");
            return sb.ToString();
        }

        /// <summary>The goals of issue #13 that this mode can judge, each met or not, with the ratio it was judged by.</summary>
        public static IEnumerable<string> Goals(BenchOptions o, IReadOnlyDictionary<string, MethodResult> by)
        {
            if (!by.TryGetValue("sshnet", out var s)) yield break;
            static string Verdict(bool met) => met ? "met" : "NOT met";
            string mode = o.Wan ? "WAN" : "LAN";
            by.TryGetValue("floor", out var floor);
            by.TryGetValue("ansible", out var ansible);
            by.TryGetValue("openssh", out var openssh);
            if (!o.Wan && floor != null)
            {
                yield return Inv($"goal ({mode}) SSH.NET engine at most 0.8x the ssh loop's wall time: {Verdict(s.WallSeconds <= 0.8 * floor.WallSeconds)} ({s.WallSeconds / floor.WallSeconds:0.00}x)");
                if (s.CpuSeconds is double sc && floor.CpuSeconds is double fc)
                    yield return Inv($"goal ({mode}) SSH.NET engine at most half the ssh loop's client CPU: {Verdict(sc <= 0.5 * fc)} ({sc / fc:0.00}x)");
                else yield return $"goal ({mode}) SSH.NET engine at most half the ssh loop's client CPU: not judged (client CPU unknown: no cpuacct cgroup)";
            }
            if (o.Wan && floor != null)
                yield return Inv($"goal ({mode}) SSH.NET engine at least 2x faster than the ssh loop: {Verdict(floor.WallSeconds >= 2 * s.WallSeconds)} ({floor.WallSeconds / s.WallSeconds:0.00}x)");
            if (o.Wan && ansible != null)
                yield return Inv($"goal ({mode}) SSH.NET engine at least 10x faster than Ansible: {Verdict(ansible.WallSeconds >= 10 * s.WallSeconds)} ({ansible.WallSeconds / s.WallSeconds:0.00}x)");
            yield return Inv($"goal ({mode}) handshakes (hosts + VMs) / VMs at most 1.1: {Verdict(s.HandshakesPerVm <= 1.1)} ({s.HandshakesPerVm:0.00})");
            if (openssh != null)
                yield return Inv($"goal ({mode}) no slower than the OpenSSH engine: {Verdict(s.WallSeconds <= openssh.WallSeconds)} ({s.WallSeconds / openssh.WallSeconds:0.00}x)");
        }

        public static string Listing(ListingResult l) => Inv(
            $"{l.Name}: ours {l.OursSeconds * 1000:0.0} ms ({l.OursWhat}, {l.OursItems:N0} items) vs {l.BaselineSeconds * 1000:0.0} ms ({l.BaselineWhat}, {l.BaselineItems:N0} items): {l.BaselineSeconds / l.OursSeconds:0.0}x; {l.Setup}; median of 3");

        public static void WriteJson(string path, BenchOptions o, IReadOnlyList<MethodResult> results, IReadOnlyList<ListingResult> listings)
        {
            var doc = new
            {
                machine = Machine(),
                wan = o.Wan, uplinkDelayMs = o.Wan ? o.UplinkDelayMs : 0, vmLinkDelayMs = o.Wan ? o.VmLinkDelayMs : 0,
                goals = Goals(o, results.Where(r => r.Ran).ToDictionary(r => r.Method)).ToList(),
                methods = results.Select(r => new
                {
                    r.Method, r.Ran, r.SkipReason, r.AllPatched, r.WallSeconds, r.MedianVmSeconds, r.P95VmSeconds, r.ConnectionsPerVm,
                    r.HostConnectionsPerVm, r.HandshakesPerVm, r.LoadAverage, r.BytesSent, r.CpuSeconds, r.MachineCpuSeconds, Vms = r.Vms.Count, r.Problems, r.ExitCode, r.Note, r.RoundWalls, r.RoundLoads,
                }),
                listings,
            };
            File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }

        private static string Ratio(double? a, double? b) => a is double x && b is double y && y > 0 ? (x / y).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";

        private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
