using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SysVmPatch.Bench
{
    /// <summary>The command line: the size of the test world, the payload, the parallelism and what to run.</summary>
    public sealed record BenchOptions
    {
        public int Vms { get; init; } = 60;
        public int Hosts { get; init; } = 4;
        public double AgentMiB { get; init; } = 20;
        public double ScriptsMiB { get; init; } = 1;
        public int Parallel { get; init; } = 16;
        public IReadOnlyList<string> Methods { get; init; } = KnownMethods;
        /// <summary>
        /// How many times each method runs, in a rotated order, each on a fresh lab. The table shows each method's
        /// median-wall round: on a shared machine one run swings by 20%, the median of three much less.
        /// </summary>
        public int Rounds { get; init; } = 3;
        /// <summary>Routers listed through the paginated API (0: skip that part).</summary>
        public int Routers { get; init; } = 5000;
        /// <summary>Records in the generated history store (0: skip that part).</summary>
        public int HistoryRecords { get; init; } = 1_000_000;
        /// <summary>
        /// Diagnostic only: hand "ours" the routers as if none were in a redundant pair, to measure what the pair
        /// ordering (the partner waits for a later batch) costs. The run is labelled; not a fair comparison figure.
        /// </summary>
        public bool OursIgnorePairs { get; init; }
        /// <summary>
        /// WAN mode: each way, <see cref="UplinkDelayMs"/> between the workstation and the hosts and
        /// <see cref="VmLinkDelayMs"/> between each host and its VMs, as for a cloud behind a WAN where round trips decide.
        /// </summary>
        public bool Wan { get; init; }
        public double UplinkDelayMs { get; init; } = 25;
        public double VmLinkDelayMs { get; init; } = 1;
        /// <summary>Where the figures are also written as JSON (for the smoke test); null: nowhere.</summary>
        public string? JsonOut { get; init; }

        public int VmsPerHost => Vms / Hosts;

        /// <summary>
        /// openssh / sshnet: the engine (LivePatchService) on that transport in a process of its own; pwsh: the cmdlets
        /// from a fresh pwsh against the fake management server; ansible: the playbook; floor: the plain ssh loop.
        /// </summary>
        /// <summary>Diagnostic: the SSH.NET engine without its thread-pool sizing (.NET's default minimum, one per core).</summary>
        public const string DefaultPoolMethod = "sshnet-defaultpool";

        public static readonly string[] KnownMethods = { "sshnet", "openssh", "pwsh", "ansible", "floor" };

        public const string Usage =
            "sudo dotnet run -c Release --project bench/SysVmPatch.Bench -- [--vms 60] [--hosts 4] [--agent-mib 20] [--scripts-mib 1]\n" +
            "     [--parallel 16] [--methods sshnet,openssh,pwsh,ansible,floor] [--rounds 3] [--routers 5000] [--history 1000000] [--json out.json]\n" +
            "     [--wan [--uplink-ms 25] [--vm-link-ms 1]]   (delay each way: workstation-hosts, hosts-VMs)\n" +
            "     [--ours-ignore-pairs]   (diagnostic: the engine without redundant-pair ordering)\n" +
            "     method sshnet-defaultpool: diagnostic, the SSH.NET engine with .NET's default thread-pool minimum\n" +
            "--vms must be a multiple of --hosts; --routers 0 / --history 0 skip those parts.";

        public static BenchOptions Parse(IReadOnlyList<string> args)
        {
            var o = new BenchOptions();
            for (int i = 0; i < args.Count; i++)
            {
                string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--vms": o = o with { Vms = Int(Next()) }; break;
                    case "--hosts": o = o with { Hosts = Int(Next()) }; break;
                    case "--agent-mib": o = o with { AgentMiB = Dbl(Next()) }; break;
                    case "--scripts-mib": o = o with { ScriptsMiB = Dbl(Next()) }; break;
                    case "--parallel": o = o with { Parallel = Int(Next()) }; break;
                    case "--methods": o = o with { Methods = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                    case "--rounds": o = o with { Rounds = Int(Next()) }; break;
                    case "--routers": o = o with { Routers = Int(Next()) }; break;
                    case "--history": o = o with { HistoryRecords = Int(Next()) }; break;
                    case "--json": o = o with { JsonOut = Next() }; break;
                    case "--wan": o = o with { Wan = true }; break;
                    case "--uplink-ms": o = o with { UplinkDelayMs = Dbl(Next()) }; break;
                    case "--vm-link-ms": o = o with { VmLinkDelayMs = Dbl(Next()) }; break;
                    case "--ours-ignore-pairs": o = o with { OursIgnorePairs = true }; break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            if (o.Hosts < 1 || o.Vms < o.Hosts || o.Vms % o.Hosts != 0) throw new ArgumentException("--vms must be a positive multiple of --hosts.");
            if (o.VmsPerHost < 2) throw new ArgumentException("At least two VMs per host (the first host carries the SSVM and the CPVM).");
            if (o.Rounds < 1) throw new ArgumentException("--rounds must be at least 1.");
            if (o.Parallel < 1) throw new ArgumentException("--parallel must be at least 1.");
            if (o.UplinkDelayMs < 0 || o.VmLinkDelayMs < 0) throw new ArgumentException("Delays must not be negative.");
            if (o.AgentMiB <= 0 || o.ScriptsMiB <= 0) throw new ArgumentException("Payload sizes must be positive.");
            var unknown = o.Methods.Where(m => !KnownMethods.Contains(m) && m != DefaultPoolMethod).ToList();
            if (unknown.Count > 0) throw new ArgumentException($"Unknown method(s): {string.Join(", ", unknown)}; use {string.Join(",", KnownMethods)}.");
            return o;
        }

        private static int Int(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);
        private static double Dbl(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
