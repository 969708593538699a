using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Bench
{
    /// <summary>The figures of one method's run on a fresh world.</summary>
    public sealed record MethodResult
    {
        public string Method { get; init; } = "";
        public bool Ran { get; init; }
        /// <summary>Why the method did not run (shown, never silent).</summary>
        public string? SkipReason { get; init; }
        public double WallSeconds { get; init; }
        public double? CpuSeconds { get; init; }
        /// <summary>CPU seconds of the whole machine during the run: driver, hosts and VMs together.</summary>
        public double MachineCpuSeconds { get; init; }
        public IReadOnlyList<VmTiming> Vms { get; init; } = Array.Empty<VmTiming>();
        /// <summary>Connections each VM's sshd accepted.</summary>
        public IReadOnlyDictionary<string, int> VmConnections { get; init; } = new Dictionary<string, int>();
        /// <summary>Connections the hosts accepted (jump hops).</summary>
        public int HostConnections { get; init; }
        public long BytesSent { get; init; }
        /// <summary>What the independent check found unpatched; empty when every VM is patched.</summary>
        public IReadOnlyList<string> Problems { get; init; } = Array.Empty<string>();
        public int ExitCode { get; init; }
        public string? Note { get; init; }
        /// <summary>Wall seconds of every round of this method, in the order they ran (one entry with --rounds 1).</summary>
        public IReadOnlyList<double> RoundWalls { get; init; } = Array.Empty<double>();

        /// <summary>The machine's 1-minute load average when the method started (2 cores; other engineers' work shows here).</summary>
        public double LoadAverage { get; init; }

        /// <summary>SSH handshakes (hosts' plus VMs' sshd) per VM: a fleet costs H + N with one connection per host.</summary>
        public double HandshakesPerVm => VmConnections.Count == 0 ? 0 : (HostConnections + VmConnections.Values.Sum()) / (double)VmConnections.Count;

        /// <summary>The load average at the start of every round, in the order they ran.</summary>
        public IReadOnlyList<double> RoundLoads { get; init; } = Array.Empty<double>();

        public bool AllPatched => Ran && Problems.Count == 0;
        public double MedianVmSeconds => Percentile(0.5);
        public double P95VmSeconds => Percentile(0.95);
        public double ConnectionsPerVm => VmConnections.Count == 0 ? 0 : VmConnections.Values.Average();
        /// <summary>
        /// How full the parallel slots were: the VMs' summed time over wall time times parallelism. Below 1 a
        /// slot sat idle (waiting for a batch, a straggler, or the driver itself).
        /// </summary>
        public double SlotUse(int parallel) => WallSeconds <= 0 ? 0 : Vms.Sum(v => v.Seconds) / (WallSeconds * Math.Min(parallel, Math.Max(1, Vms.Count)));
        public double HostConnectionsPerVm => VmConnections.Count == 0 ? 0 : (double)HostConnections / VmConnections.Count;

        private double Percentile(double p)
        {
            var s = Vms.Select(v => v.Seconds).OrderBy(x => x).ToList();
            if (s.Count == 0) return 0;
            int rank = (int)Math.Ceiling(p * s.Count) - 1; // nearest-rank
            return s[Math.Clamp(rank, 0, s.Count - 1)];
        }
    }
}
