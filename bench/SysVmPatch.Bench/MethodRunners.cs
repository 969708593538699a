using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Bench
{
    /// <summary>Runs one method against a world already started and marked, and collects what it reported.</summary>
    public sealed class MethodRunners
    {
        private readonly BenchOptions _o;
        private readonly Payload _payload;
        private readonly string _work;

        public MethodRunners(BenchOptions o, Payload payload, string workDirectory)
        {
            _o = o;
            _payload = payload;
            _work = workDirectory;
            Directory.CreateDirectory(workDirectory);
        }

        /// <summary>Null when the method can run here; otherwise why not.</summary>
        public static string? Missing(string method) => method switch
        {
            "ansible" => OnPath("ansible-playbook") ? null : "ansible-playbook is not installed (apt-get install ansible-core)",
            "floor" => OnPath("scp") && OnPath("xargs") ? null : "scp or xargs is missing",
            "pwsh" => PwshDriver.Missing(),
            _ => null,
        };

        public Task<(DriverRun Run, List<VmTiming> Vms, string? Note)> RunAsync(string method, BenchWorld world) => method switch
        {
            "sshnet" => EngineAsync(world, "sshnet"),
            BenchOptions.DefaultPoolMethod => EngineAsync(world, BenchOptions.DefaultPoolMethod),
            "openssh" => EngineAsync(world, "openssh"),
            "pwsh" => PwshDriver.RunAsync(_o, _payload, _work, world),
            "ansible" => AnsibleAsync(world),
            "floor" => FloorAsync(world),
            _ => throw new ArgumentException(method),
        };

        // The engine on one transport, in a process of its own so its CPU is measured as the other methods' is.
        private async Task<(DriverRun, List<VmTiming>, string?)> EngineAsync(BenchWorld world, string method)
        {
            string jobFile = Path.Combine(_work, method + "-job.json");
            string resultFile = Path.Combine(_work, method + "-result.json");
            File.WriteAllText(jobFile, JsonSerializer.Serialize(new OursJob(_o.Vms, _o.Hosts, _payload.Folder, _o.Parallel,
                world.Lab.PrivateKeyPath, world.Lab.KnownHostsPath, resultFile, _o.OursIgnorePairs, method == BenchOptions.DefaultPoolMethod ? "sshnet" : method, method == BenchOptions.DefaultPoolMethod)));
            string self = Environment.ProcessPath!;
            var args = new List<string>();
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") args.Add(typeof(MethodRunners).Assembly.Location);
            args.Add(OursDriver.Verb);
            args.Add(jobFile);
            var run = await DriverProcess.RunAsync(method, self, args).ConfigureAwait(false);
            if (!File.Exists(resultFile)) return (run, new List<VmTiming>(), "no result file: " + Tail(run.Output));
            File.WriteAllText(Path.Combine(_work, method + "-output.log"), run.Output);
            var report = JsonSerializer.Deserialize<OursReport>(File.ReadAllText(resultFile))!;
            string steps = Path.Combine(_work, method + "-steps.log");
            File.WriteAllLines(steps, report.StepLog);
            return (run, report.Vms, (_o.OursIgnorePairs ? "DIAGNOSTIC RUN: redundant pairs handed over as unpaired routers; " : "") + $"engine {report.EngineSeconds:0.00} s inside the process, {report.ProcessCpuSeconds:0.00} CPU s in the .NET process itself (the rest of CPU s is its ssh children, if any), VM connections {report.Connections}, jump connections {report.JumpConnections}; {report.Pool}; step log: {steps}\n  per-VM phases: " + string.Join("\n  ", report.Phases));
        }

        private async Task<(DriverRun, List<VmTiming>, string?)> AnsibleAsync(BenchWorld world)
        {
            string inventory = Path.Combine(_work, "ansible-inventory.ini");
            var sb = new StringBuilder("[agentvms]\n");
            foreach (var vm in world.Vms.Where(v => v.Type != SystemVmType.Router)) sb.Append(vm.Name).Append('\n');
            sb.Append("[routers]\n");
            foreach (var vm in world.Vms.Where(v => v.Type == SystemVmType.Router)) sb.Append(vm.Name).Append('\n');
            sb.Append("[all:vars]\nansible_user=root\n");
            File.WriteAllText(inventory, sb.ToString());
            string times = Path.Combine(_work, "ansible-times.json");
            File.Delete(times);
            var run = await DriverProcess.RunAsync("ansible", Path.Combine(AppContext.BaseDirectory, "ansible", "run.sh"),
                new[] { inventory, _payload.Folder, _o.Parallel.ToString(CultureInfo.InvariantCulture), world.Lab.SshConfigPath, times }).ConfigureAwait(false);
            File.WriteAllText(Path.Combine(_work, "ansible-output.log"), run.Output);
            var vms = new List<VmTiming>();
            if (File.Exists(times))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(times));
                foreach (var h in doc.RootElement.EnumerateObject())
                {
                    bool failed = h.Value.GetProperty("failed").GetBoolean();
                    vms.Add(new VmTiming(h.Name, !failed, h.Value.GetProperty("end").GetDouble() - h.Value.GetProperty("start").GetDouble(), failed ? "a task failed" : null));
                }
            }
            return (run, vms, $"output: {Path.Combine(_work, "ansible-output.log")}");
        }

        private async Task<(DriverRun, List<VmTiming>, string?)> FloorAsync(BenchWorld world)
        {
            string inventory = Path.Combine(_work, "floor-inventory.txt");
            File.WriteAllLines(inventory, world.Vms.Select(v => v.Name + " " + (v.Type == SystemVmType.Router ? "router" : "agent")));
            string times = Path.Combine(_work, "floor-times.txt");
            File.Delete(times);
            var run = await DriverProcess.RunAsync("floor", Path.Combine(AppContext.BaseDirectory, "floor", "livepatch.sh"),
                new[] { inventory, _payload.Folder, _o.Parallel.ToString(CultureInfo.InvariantCulture), world.Lab.SshConfigPath, times }).ConfigureAwait(false);
            File.WriteAllText(Path.Combine(_work, "floor-output.log"), run.Output);
            var lines = File.Exists(times) ? File.ReadAllLines(times).Select(l => l.Split(' ')).Where(p => p.Length == 6).ToList() : new List<string[]>();
            double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
            var vms = lines.Select(p => new VmTiming(p[0], p[3] == "0", D(p[2]) - D(p[1]), p[3] == "0" ? null : "exit " + p[3])).ToList();
            var ok = lines.Where(p => p[3] == "0").ToList();
            string phases = ok.Count == 0 ? "" : "\n  per-VM phases: " + string.Join("\n  ", new[]
            {
                Phase("connect (master + jump)", ok.Select(p => D(p[4]) - D(p[1]))),
                Phase("scp", ok.Select(p => D(p[5]) - D(p[4]))),
                Phase("remote script + close", ok.Select(p => D(p[2]) - D(p[5]))),
            });
            return (run, vms, $"output: {Path.Combine(_work, "floor-output.log")}" + phases);
        }

        private static string Phase(string name, IEnumerable<double> values)
        {
            var d = values.OrderBy(x => x).ToList();
            return Inv($"{name}: median {d[(d.Count - 1) / 2]:0.00} s, p95 {d[Math.Max(0, (int)Math.Ceiling(0.95 * d.Count) - 1)]:0.00} s, max {d[^1]:0.00} s");
        }

        private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        internal static bool OnPath(string tool) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

        internal static string Tail(string text)
        {
            var lines = text.Split('\n').Where(l => l.Trim().Length > 0).ToList();
            return string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 5)));
        }
    }
}
