using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// The namespace lab: every hypervisor host of a <see cref="LabSpec"/> as a network namespace with a real sshd
    /// on port 22, every system VM as its own network, mount and PID namespaces with a real sshd on port 3922,
    /// reachable only through its host, with the files, services and faults a live patch meets. One per machine.
    /// </summary>
    /// <remarks>
    /// Faults: <see cref="SetServiceFault"/> (fail, fail-once, hang, hang-restart, slow:N), <see cref="SetDropAfterBytes"/> (a connection
    /// dropped mid-transfer), <see cref="SetHostDownAsync"/> (host sshd killed and its link down), stop/start of a VM,
    /// and a full disk through <see cref="VmSpec.DiskMiB"/>: the VM's writable layer is then a tmpfs of that size,
    /// so writes anywhere in the VM fail with ENOSPC once it is full and <c>df /</c> inside shows it.
    /// </remarks>
    public sealed partial class Lab : IAsyncDisposable, IVmPowerControl
    {
        private readonly LabOptions _options;
        private readonly LabPaths _paths;
        private readonly LabLock _lock;
        private readonly Dictionary<string, VmRuntime> _vms = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, HostRuntime> _hosts = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<DelayRelay> _delays = new();
        private int _disposed;

        private Lab(ResolvedLab topology, LabOptions options, LabLock labLock)
        {
            Topology = topology;
            _options = options;
            _paths = new LabPaths(options.RootDirectory);
            _lock = labLock;
            foreach (var vm in topology.Vms) _vms[vm.Name] = new VmRuntime(vm);
            foreach (var host in topology.Hosts) _hosts[host.Name] = new HostRuntime(host);
        }

        public ResolvedLab Topology { get; }
        public string RootDirectory => _paths.Root;
        /// <summary>The operator's ed25519 private key, authorized as root on every host and every VM.</summary>
        public string PrivateKeyPath => _paths.OperatorKey;
        /// <summary>known_hosts with every host by its address and every VM as [169.254.x.y]:3922.</summary>
        public string KnownHostsPath => _paths.KnownHosts;
        /// <summary>An ssh_config with a Host entry per host and per VM (VMs via ProxyJump): `ssh -F path r-3-VM`.</summary>
        public string SshConfigPath => _paths.SshConfig;
        /// <summary>How long each phase of <see cref="StartAsync"/> took.</summary>
        public LabStartupTimings Timings { get; private set; } = new();

        /// <summary>Where a test reads a VM's file: through the running VM's root, or in its upper dir while stopped.</summary>
        /// <remarks>
        /// While the VM runs the path is /proc/&lt;sshd pid&gt;/root/…, the exact view the VM has (its own files and
        /// the host's underneath). While stopped only what the VM itself wrote is there (the overlay upper dir).
        /// /var/lib/labshim maps to the VM's control directory either way.
        /// </remarks>
        public string VmPath(string vmName, string pathInsideVm)
        {
            var rt = Runtime(vmName);
            string relative = pathInsideVm.TrimStart('/');
            if (relative == "var/lib/labshim" || relative.StartsWith("var/lib/labshim/", StringComparison.Ordinal))
                return Path.Combine(_paths.VmControl(rt.Vm), relative.Substring("var/lib/labshim".Length).TrimStart('/'));
            int? listener = rt.Running ? rt.ListenerPid : null;
            return listener != null ? $"/proc/{listener}/root/{relative}" : Path.Combine(_paths.VmUpper(rt.Vm), relative);
        }

        /// <summary>Every systemctl/service call the VM has seen, oldest first: "&lt;epoch-ms&gt; systemctl restart cloud".</summary>
        public IReadOnlyList<string> ServiceCalls(string vmName)
        {
            string log = _paths.VmCallsLog(Runtime(vmName).Vm);
            return File.Exists(log) ? File.ReadAllLines(log) : Array.Empty<string>();
        }

        /// <summary>The state the systemctl stand-in holds for a service: active, inactive, failed, activating.</summary>
        public string ServiceState(string vmName, string service)
        {
            LabNames.CheckSafe(service);
            string file = _paths.VmServiceState(Runtime(vmName).Vm, service);
            return File.Exists(file) ? File.ReadAllText(file).Trim() : "inactive";
        }

        /// <summary>
        /// Makes a service misbehave in the VM's systemctl stand-in: "fail" (start/restart leave it failed, exit 1),
        /// "fail-once" (the next start/restart fails, later ones succeed), "slow:&lt;seconds&gt;", "hang" (every
        /// start/restart hangs until killed, the unit left activating), "hang-restart" (the next one hangs, later
        /// ones succeed); null clears it.
        /// </summary>
        public void SetServiceFault(string vmName, string service, string? fault)
        {
            LabNames.CheckSafe(service);
            string file = _paths.VmServiceFault(Runtime(vmName).Vm, service);
            if (fault == null) { File.Delete(file); return; }
            bool valid = fault == "fail" || fault == "fail-once" || fault == "hang" || fault == "hang-restart" ||
                (fault.StartsWith("slow:", StringComparison.Ordinal) && double.TryParse(fault.AsSpan(5), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s >= 0);
            if (!valid) throw new ArgumentException($"Unknown service fault '{fault}'; use fail, fail-once, hang, hang-restart or slow:<seconds>.", nameof(fault));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, fault + "\n");
        }

        /// <summary>
        /// Drops the VM's SSH connections once a file being written under its /var/cache/cloud or /tmp grows past
        /// <paramref name="bytes"/> (see <see cref="DropFault"/>); up to <paramref name="times"/> drops, then the fault
        /// is spent. <paramref name="bytes"/> &lt;= 0 clears it. While set, the VM's link runs at
        /// <see cref="LabOptions.DropFaultLinkRate"/>.
        /// </summary>
        public async Task SetDropAfterBytesAsync(string vmName, long bytes, int times = int.MaxValue, CancellationToken cancellationToken = default)
        {
            var rt = Runtime(vmName);
            if (rt.Drop != null)
            {
                await rt.Drop.StopAsync().ConfigureAwait(false);
                rt.Drop = null;
                await LabNetwork.ShapeVmLinkAsync(rt.Vm, null, cancellationToken).ConfigureAwait(false);
            }
            if (bytes <= 0) return;
            await LabNetwork.ShapeVmLinkAsync(rt.Vm, _options.DropFaultLinkRate, cancellationToken).ConfigureAwait(false);
            rt.Drop = new DropFault(rt, _paths.VmUpper(rt.Vm), _paths.VmDropLog(rt.Vm), bytes, times);
        }

        /// <summary>Synchronous form of <see cref="SetDropAfterBytesAsync"/> for tests that set faults inline.</summary>
        public void SetDropAfterBytes(string vmName, long bytes, int times = int.MaxValue) =>
            SetDropAfterBytesAsync(vmName, bytes, times).GetAwaiter().GetResult();

        /// <summary>How many times the drop fault has broken this VM's connections (lines in its drops.log).</summary>
        public int DropCount(string vmName)
        {
            string log = _paths.VmDropLog(Runtime(vmName).Vm);
            return File.Exists(log) ? File.ReadAllLines(log).Length : 0;
        }

        /// <summary>
        /// Runs a shell command inside the VM (its mount, network, UTS, IPC and PID namespaces and its root) as root,
        /// bypassing SSH: for tests that check or arrange state. Output is stdout then stderr.
        /// </summary>
        public async Task<(int ExitCode, string Output)> ExecInVmAsync(string vmName, string shellCommand, CancellationToken cancellationToken = default)
        {
            var rt = Runtime(vmName);
            int listener = (rt.Running ? rt.ListenerPid : null) ?? throw new InvalidOperationException($"{vmName} is not running.");
            var env = new Dictionary<string, string>
            {
                ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                ["HOME"] = "/root",
                ["LANG"] = "C.UTF-8",
                ["USER"] = "root",
            };
            var result = await LabCommand.RunAsync("/usr/bin/nsenter",
                new[] { "-t", listener.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", "/bin/bash", "-c", shellCommand },
                timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken, environment: env).ConfigureAwait(false);
            return (result.ExitCode, result.Output);
        }

        public bool IsVmRunning(string vmName) => Runtime(vmName).Running;

        public bool IsHostDown(string hostName) => HostRuntimeOf(hostName).Down;

        /// <summary>Removes whatever a killed lab left on this machine. Refuses while a lab is running.</summary>
        public static CleanReport CleanStale(string rootDirectory = LabNames.DefaultRootDirectory)
        {
            using var labLock = LabLock.Acquire(LabNames.LockFile);
            return LabCleaner.Clean(rootDirectory);
        }

        /// <summary>What of a lab exists on this machine (namespaces, links, mounts, processes, directory); empty when none.</summary>
        public static IReadOnlyList<string> Leftovers(string rootDirectory = LabNames.DefaultRootDirectory) => LabCleaner.Leftovers(rootDirectory);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
            LabTermination.Unregister(this);
            foreach (var relay in _delays) await relay.DisposeAsync().ConfigureAwait(false);
            foreach (var rt in _vms.Values)
                if (rt.Drop != null) { await rt.Drop.StopAsync().ConfigureAwait(false); rt.Drop = null; }
            try
            {
                LabCleaner.Clean(_paths.Root);
            }
            finally
            {
                foreach (var rt in _vms.Values) { rt.Running = false; rt.Launcher?.Dispose(); }
                foreach (var h in _hosts.Values) h.Sshd?.Dispose();
                _lock.Dispose();
            }
        }

        private VmRuntime Runtime(string vmName)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _vms.TryGetValue(vmName, out var rt) ? rt : throw new KeyNotFoundException($"No VM named '{vmName}' in the lab.");
        }

        private HostRuntime HostRuntimeOf(string hostName)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return _hosts.TryGetValue(hostName, out var rt) ? rt : throw new KeyNotFoundException($"No host named '{hostName}' in the lab.");
        }

        private void Log(string message) => _options.Log?.Invoke(message);
    }

    /// <summary>Durations of the phases of a lab start, for benchmarks and test output.</summary>
    public sealed record LabStartupTimings
    {
        public TimeSpan CleanStale { get; init; }
        public TimeSpan Files { get; init; }
        public TimeSpan Keys { get; init; }
        public TimeSpan Network { get; init; }
        public TimeSpan Hosts { get; init; }
        public TimeSpan Vms { get; init; }
        public TimeSpan Total { get; init; }

        public override string ToString() =>
            $"total {Total.TotalSeconds:0.0} s (stale cleanup {CleanStale.TotalSeconds:0.0}, files {Files.TotalSeconds:0.0}, keys {Keys.TotalSeconds:0.0}, network {Network.TotalSeconds:0.0}, host sshds {Hosts.TotalSeconds:0.0}, VMs {Vms.TotalSeconds:0.0})";
    }
}
