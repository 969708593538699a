using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>What `up` hands a companion service (the fake management server) once the lab runs.</summary>
    public sealed class LabUpContext
    {
        internal LabUpContext(Lab lab) { Lab = lab; }

        public Lab Lab { get; }
        /// <summary>Entries added here go into state.json and are printed (never put a secret here; put a file path).</summary>
        public IDictionary<string, string> State { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The `up | status | down` commands of the test world. `up` builds a lab, writes state.json, prints how to
    /// connect and runs until Ctrl+C, SIGTERM or `down`.
    /// </summary>
    public static class LabCli
    {
        /// <summary>
        /// COMPANION HOOK: started by `up` after the lab and disposed before it; e.g. the fake CloudStack server:
        /// <c>LabCli.Companion = async (ctx, ct) =&gt; { var s = await FakeCloudStackServer.StartAsync(ctx.Lab.Topology, ctx.Lab, …);
        /// ctx.State["endpoint"] = s.Endpoint; return s; };</c>
        /// </summary>
        public static Func<LabUpContext, CancellationToken, Task<IAsyncDisposable?>>? Companion { get; set; }

        private static readonly JsonSerializerOptions Json = new()
        {
            PropertyNameCaseInsensitive = true,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter() },
        };

        public static async Task<int> RunAsync(string[] args)
        {
            string verb = args.Length > 0 ? args[0] : "";
            try
            {
                return verb switch
                {
                    "up" => await UpAsync(args.Skip(1).ToArray()).ConfigureAwait(false),
                    "status" => Status(),
                    "down" => await DownAsync().ConfigureAwait(false),
                    _ => Usage(),
                };
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or TimeoutException or PlatformNotSupportedException or JsonException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        }

        private static int Usage()
        {
            Console.Error.WriteLine("usage: SysVmPatch.TestWorld up [--zones Z] [--hosts H] [--vms V] [--spec lab.json]");
            Console.Error.WriteLine("       SysVmPatch.TestWorld status");
            Console.Error.WriteLine("       SysVmPatch.TestWorld down");
            return 2;
        }

        private static async Task<int> UpAsync(string[] args)
        {
            var spec = ParseSpec(args);
            using var stop = new CancellationTokenSource();
            var registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP }
                .Select(s => PosixSignalRegistration.Create(s, ctx => { ctx.Cancel = true; stop.Cancel(); })).ToList();
            try
            {
                var options = new LabOptions { HandleTerminationSignals = false, Log = line => Console.WriteLine("lab: " + line) };
                Lab lab;
                try { lab = await Lab.StartAsync(spec, options, stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { Console.WriteLine("interrupted during startup; cleaned up"); return 130; }
                await using (lab.ConfigureAwait(false))
                {
                    var context = new LabUpContext(lab);
                    IAsyncDisposable? companion = Companion == null ? null : await Companion(context, stop.Token).ConfigureAwait(false);
                    try
                    {
                        WriteState(lab, context);
                        PrintConnectionHelp(lab, context);
                        try { await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false); }
                        catch (OperationCanceledException) { }
                        Console.WriteLine("stopping the lab ...");
                    }
                    finally
                    {
                        if (companion != null) await companion.DisposeAsync().ConfigureAwait(false);
                    }
                }
                Console.WriteLine("lab stopped; nothing left behind");
                return 0;
            }
            finally
            {
                foreach (var r in registrations) r.Dispose();
            }
        }

        private static LabSpec ParseSpec(string[] args)
        {
            int zones = 1, hosts = 2, vms = 3;
            string? specFile = null;
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--zones": zones = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                    case "--hosts": hosts = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                    case "--vms": vms = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
                    case "--spec": specFile = value; i++; break;
                    default: throw new ArgumentException($"Unknown option {args[i]}.");
                }
            }
            if (specFile == null) return LabSpec.Generate(zones, hosts, vms);
            return JsonSerializer.Deserialize<LabSpec>(File.ReadAllText(specFile), Json) ?? throw new ArgumentException($"{specFile} holds no lab spec.");
        }

        private static void WriteState(Lab lab, LabUpContext context)
        {
            var state = new LabStateFile
            {
                Pid = Environment.ProcessId,
                StartedAt = DateTimeOffset.UtcNow,
                RootDirectory = lab.RootDirectory,
                PrivateKeyPath = lab.PrivateKeyPath,
                KnownHostsPath = lab.KnownHostsPath,
                SshConfigPath = lab.SshConfigPath,
                Hosts = lab.Topology.Hosts.Select(h => new LabStateHost(h.Name, h.Address)).ToList(),
                Vms = lab.Topology.Vms.Select(v => new LabStateVm(v.Name, v.Type.ToString(), v.Host.Name, v.LinkLocalIp)).ToList(),
                Extra = new Dictionary<string, string>(context.State),
            };
            File.WriteAllText(StatePath(lab.RootDirectory), JsonSerializer.Serialize(state, Json));
        }

        private static void PrintConnectionHelp(Lab lab, LabUpContext context)
        {
            var vm = lab.Topology.Vms[0];
            Console.WriteLine();
            Console.WriteLine($"Lab up: {lab.Topology.Hosts.Count} hosts, {lab.Topology.Vms.Count} VMs ({lab.Timings})");
            Console.WriteLine($"  private key  {lab.PrivateKeyPath}");
            Console.WriteLine($"  known_hosts  {lab.KnownHostsPath}");
            Console.WriteLine($"  ssh_config   {lab.SshConfigPath}");
            Console.WriteLine($"  state        {StatePath(lab.RootDirectory)}");
            foreach (var kv in context.State) Console.WriteLine($"  {kv.Key,-12} {kv.Value}");
            Console.WriteLine("Connect:");
            Console.WriteLine($"  ssh -F {lab.SshConfigPath} {vm.Host.Name}");
            Console.WriteLine($"  ssh -F {lab.SshConfigPath} {vm.Name}");
            Console.WriteLine($"  ssh -F {lab.SshConfigPath} -J root@{vm.Host.Address} -p {LabNames.VmSshPort} root@{vm.LinkLocalIp}");
            Console.WriteLine("Ctrl+C or `SysVmPatch.TestWorld down` stops it.");
        }

        private static int Status()
        {
            var state = ReadState();
            var leftovers = Lab.Leftovers();
            if (state == null)
            {
                Console.WriteLine(leftovers.Count == 0 ? "no lab" : $"no running lab, but {leftovers.Count} leftovers (run down): " + string.Join(", ", leftovers.Take(5)));
                return 1;
            }
            bool alive = ProcTable.IsAlive(state.Pid);
            Console.WriteLine($"lab process {state.Pid}: {(alive ? "running" : "gone (stale world; run down)")}, started {state.StartedAt:u}");
            Console.WriteLine($"  {state.Hosts.Count} hosts, {state.Vms.Count} VMs; ssh -F {state.SshConfigPath} <name>");
            foreach (var kv in state.Extra) Console.WriteLine($"  {kv.Key,-12} {kv.Value}");
            return alive ? 0 : 1;
        }

        private static async Task<int> DownAsync()
        {
            var state = ReadState();
            if (state != null && ProcTable.IsAlive(state.Pid) && state.Pid != Environment.ProcessId)
            {
                Console.WriteLine($"stopping lab process {state.Pid} ...");
                LibC.Kill(state.Pid, LibC.SIGTERM);
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (ProcTable.IsAlive(state.Pid) && DateTime.UtcNow < deadline) await Task.Delay(100).ConfigureAwait(false);
                if (ProcTable.IsAlive(state.Pid)) { Console.Error.WriteLine($"lab process {state.Pid} did not stop; killing it"); LibC.Kill(state.Pid, LibC.SIGKILL); await Task.Delay(500).ConfigureAwait(false); }
            }
            var report = Lab.CleanStale();
            Console.WriteLine(report.NothingFound ? "nothing left to clean" : "cleaned: " + report);
            return 0;
        }

        private static string StatePath(string root) => Path.Combine(root, "state.json");

        private static LabStateFile? ReadState()
        {
            string path = StatePath(LabNames.DefaultRootDirectory);
            return File.Exists(path) ? JsonSerializer.Deserialize<LabStateFile>(File.ReadAllText(path), Json) : null;
        }
    }

    /// <summary>state.json: what `up` tells other processes about the running lab.</summary>
    public sealed class LabStateFile
    {
        public int Pid { get; set; }
        public DateTimeOffset StartedAt { get; set; }
        public string RootDirectory { get; set; } = "";
        public string PrivateKeyPath { get; set; } = "";
        public string KnownHostsPath { get; set; } = "";
        public string SshConfigPath { get; set; } = "";
        public List<LabStateHost> Hosts { get; set; } = new();
        public List<LabStateVm> Vms { get; set; } = new();
        public Dictionary<string, string> Extra { get; set; } = new();
    }

    /// <summary>A host as state.json lists it.</summary>
    public sealed record LabStateHost(string Name, string Address);

    /// <summary>A VM as state.json lists it.</summary>
    public sealed record LabStateVm(string Name, string Type, string Host, string LinkLocalIp);
}
