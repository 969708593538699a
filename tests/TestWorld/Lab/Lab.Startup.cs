using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    public sealed partial class Lab
    {
        /// <summary>
        /// Builds the world and returns once every host's and every Running VM's sshd accepts connections.
        /// Takes the machine-wide lab lock and first removes whatever a killed earlier lab left.
        /// </summary>
        public static async Task<Lab> StartAsync(LabSpec spec, LabOptions? options = null, CancellationToken ct = default)
        {
            ArgumentNullException.ThrowIfNull(spec);
            options ??= new LabOptions();
            string? missing = MissingRequirement();
            if (missing != null) throw new PlatformNotSupportedException("The namespace lab cannot run here: " + missing);
            var topology = new ResolvedLab(spec);
            foreach (var h in topology.Hosts) LabNames.CheckSafe(h.Name);
            foreach (var v in topology.Vms) LabNames.CheckSafe(v.Name);

            var labLock = await LabLock.AcquireAsync(LabNames.LockFile, options.LockWaitTimeout, options.Log, ct).ConfigureAwait(false);
            var lab = new Lab(topology, options, labLock);
            // Registered before building, so a SIGTERM in the middle of a 200-VM start also leaves nothing behind.
            if (options.HandleTerminationSignals) LabTermination.Register(lab);
            try
            {
                await lab.BuildAsync(ct).ConfigureAwait(false);
                return lab;
            }
            catch
            {
                await lab.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Null when this machine can run the lab; otherwise why not.</summary>
        public static string? MissingRequirement()
        {
            if (!OperatingSystem.IsLinux()) return "needs Linux namespaces";
            if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal)) return "needs root";
            foreach (var tool in new[] { "/usr/sbin/sshd", "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/ssh-keygen" })
                if (!File.Exists(tool)) return "needs " + tool;
            if (!File.Exists("/usr/sbin/ip") && !File.Exists("/usr/bin/ip") && !File.Exists("/sbin/ip")) return "needs ip (iproute2)";
            return CanUnshare() ? null : "cannot create network and mount namespaces here (unshare --net --mount failed: a container without CAP_SYS_ADMIN?)";
        }

        // Being root is not enough inside some containers; one real try tells.
        private static bool CanUnshare()
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo("/usr/bin/unshare", "--net --mount true") { RedirectStandardError = true, UseShellExecute = false });
                if (probe is null) return false;
                if (!probe.WaitForExit(10_000)) { probe.Kill(); return false; }
                return probe.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        private async Task BuildAsync(CancellationToken ct)
        {
            var total = Stopwatch.StartNew();
            var phase = Stopwatch.StartNew();
            var report = LabCleaner.Clean(_paths.Root);
            if (!report.NothingFound) Log("removed a stale lab: " + report);
            var cleanTime = phase.Elapsed;

            phase.Restart();
            PrepareRoot();
            await SshMaterial.GenerateKeyAsync(_paths.OperatorKey, "svplab-operator", ct).ConfigureAwait(false);
            string operatorKey = SshMaterial.PublicKeyOf(_paths.OperatorKey);
            foreach (var vm in Topology.Vms) PrepareVm(vm, operatorKey);
            foreach (var host in Topology.Hosts) PrepareHost(host, operatorKey);
            var filesTime = phase.Elapsed;

            phase.Restart();
            var keyJobs = new List<(string Path, string Comment)>();
            foreach (var host in Topology.Hosts) keyJobs.Add((_paths.HostKey(host), "host " + host.Name));
            foreach (var vm in Topology.Vms) keyJobs.Add((SshMaterial.VmHostKey(_paths, vm), "vm " + vm.Name));
            await Parallel.ForEachAsync(keyJobs, new ParallelOptions { MaxDegreeOfParallelism = _options.StartupParallelism, CancellationToken = ct },
                async (job, token) => await SshMaterial.GenerateKeyAsync(job.Path, job.Comment, token).ConfigureAwait(false)).ConfigureAwait(false);
            File.WriteAllText(_paths.KnownHosts, SshMaterial.KnownHosts(Topology, _paths));
            File.WriteAllText(_paths.SshConfig, SshMaterial.ClientConfig(Topology, _paths));
            var keysTime = phase.Elapsed;
            Log($"files and {keyJobs.Count + 1} keys ready in {(filesTime + keysTime).TotalSeconds:0.0} s");

            phase.Restart();
            await LabNetwork.CreateAsync(Topology, ct).ConfigureAwait(false);
            var networkTime = phase.Elapsed;
            Log($"network of {Topology.Hosts.Count} hosts and {Topology.Vms.Count} VMs in {networkTime.TotalSeconds:0.0} s");

            phase.Restart();
            await Task.WhenAll(_hosts.Values.Select(h => StartHostSshdAsync(h, ct))).ConfigureAwait(false);
            var hostsTime = phase.Elapsed;

            phase.Restart();
            var toStart = _vms.Values.Where(v => string.Equals(v.Vm.Spec.State, "Running", StringComparison.OrdinalIgnoreCase)).ToList();
            await Parallel.ForEachAsync(toStart, new ParallelOptions { MaxDegreeOfParallelism = _options.StartupParallelism, CancellationToken = ct },
                async (rt, token) => await BootVmAsync(rt, token).ConfigureAwait(false)).ConfigureAwait(false);
            foreach (var rt in _vms.Values.Except(toStart)) await LabNetwork.SetVmLinkAsync(rt.Vm, up: false, ct).ConfigureAwait(false);
            var vmsTime = phase.Elapsed;
            Log($"{toStart.Count} VMs booted in {vmsTime.TotalSeconds:0.0} s");
            await StartDelaysAsync(ct).ConfigureAwait(false);

            Timings = new LabStartupTimings
            {
                CleanStale = cleanTime, Files = filesTime, Keys = keysTime, Network = networkTime, Hosts = hostsTime, Vms = vmsTime, Total = total.Elapsed,
            };
        }

        // After the VMs booted, so only the work under test pays for the delay, not the lab's own start.
        private async Task StartDelaysAsync(CancellationToken ct)
        {
            if (_options.UplinkDelay > TimeSpan.Zero)
                _delays.Add(await DelayRelay.StartAsync(null, Topology.Hosts.Select(h => h.Address + "/32"), _options.UplinkDelay, ct).ConfigureAwait(false));
            if (_options.VmLinkDelay > TimeSpan.Zero)
                foreach (var host in Topology.Hosts)
                    _delays.Add(await DelayRelay.StartAsync(LabNames.HostNetns(host), new[] { "169.254.0.0/16" }, _options.VmLinkDelay, ct).ConfigureAwait(false));
            if (_delays.Count > 0) Log($"links delayed: workstation-host {_options.UplinkDelay.TotalMilliseconds:0} ms, host-VM {_options.VmLinkDelay.TotalMilliseconds:0} ms each way");
        }

        // A tmpfs of our own: overlay needs an upper dir that is not itself on overlayfs, and a killed run's files
        // then go away with one unmount.
        private void PrepareRoot()
        {
            Directory.CreateDirectory(_paths.Root);
            if (LibC.Mount(LabNames.Prefix, _paths.Root, "tmpfs", 0, "mode=755") != 0)
                throw new IOException($"Could not mount a tmpfs at {_paths.Root} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
            Directory.CreateDirectory(_paths.KeysDir);
            Directory.CreateDirectory(_paths.BinDir);
            File.WriteAllText(_paths.VmInitScript, VmInitScript.Text);
            FileModes.Set(_paths.VmInitScript, "755");
        }

        private void PrepareVm(LabVm vm, string operatorKey)
        {
            Directory.CreateDirectory(_paths.VmDisk(vm));
            if (vm.Spec.DiskMiB is int mib)
            {
                if (mib < 1) throw new ArgumentException($"{vm.Name}: DiskMiB must be at least 1.");
                // The VM's whole writable layer lives here, so `df /` in the VM shows this size and writes hit ENOSPC.
                if (LibC.Mount(LabNames.Prefix + "-disk", _paths.VmDisk(vm), "tmpfs", 0, $"size={mib}m,mode=755") != 0)
                    throw new IOException($"Could not mount the {mib} MiB disk of {vm.Name} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
            }
            Directory.CreateDirectory(_paths.VmWork(vm));
            Directory.CreateDirectory(_paths.VmMerged(vm));
            foreach (var sub in new[] { "state", "faults" }) Directory.CreateDirectory(Path.Combine(_paths.VmControl(vm), sub));
            File.WriteAllText(_paths.VmCallsLog(vm), "");
            VmImage.Write(vm, _paths.VmUpper(vm), operatorKey);
        }

        private void PrepareHost(LabHost host, string operatorKey)
        {
            Directory.CreateDirectory(_paths.HostDir(host));
            File.WriteAllText(_paths.HostAuthorizedKeys(host), operatorKey + " svplab-operator\n");
            File.WriteAllText(_paths.HostSshdConfig(host), SshdConfigs.ForHost(_paths.HostKey(host), _paths.HostAuthorizedKeys(host), _paths.HostSshdPid(host)));
            Directory.CreateDirectory(_paths.HostVms(host));
            Directory.CreateDirectory(Path.Combine(_paths.HostShareUpper(host), "cloudstack-common", "vms"));
            Directory.CreateDirectory(_paths.HostShareWork(host));
        }

        private async Task StartHostSshdAsync(HostRuntime rt, CancellationToken ct)
        {
            var host = rt.Host;
            // sshd refuses to start without its privilege-separation folder, which only exists once the distribution's
            // own sshd service has run (not on a fresh container or CI machine).
            Directory.CreateDirectory("/run/sshd");
            File.Delete(_paths.HostSshdPid(host));
            rt.Sshd?.Dispose();
            // Own UTS namespace: `hostname` on the host answers its lab name. Own mount namespace: an overlay on /usr/share
            // gives the host a cloudstack-common folder, and its vms/ is the host's own folder (HostVms), so each host
            // carries its own package files as real KVM hosts do. unshare and sh exec, so the pid stays sshd's.
            rt.Sshd = LabCommand.StartDetached(new[]
            {
                "ip", "netns", "exec", LabNames.HostNetns(host), "unshare", "--uts", "--mount", "--propagation", "private", "/bin/sh", "-c",
                "hostname \"$0\" && mount -t overlay overlay -o \"lowerdir=/usr/share,upperdir=$3,workdir=$4\" /usr/share 2>>\"$2\""
                + " && mount --bind \"$5\" /usr/share/cloudstack-common/vms 2>>\"$2\" && exec /usr/sbin/sshd -D -f \"$1\" -E \"$2\"",
                host.Name, _paths.HostSshdConfig(host), _paths.HostSshdLog(host), _paths.HostShareUpper(host), _paths.HostShareWork(host), _paths.HostVms(host),
            });
            await WaitForSshdAsync(_paths.HostSshdPid(host), rt.Sshd, host.Name, _paths.HostSshdLog(host), ct).ConfigureAwait(false);
        }

        // sshd writes its PidFile only after its listening sockets are bound, so the file is the readiness signal.
        private async Task WaitForSshdAsync(string pidFile, Process process, string name, string logFile, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + _options.SshdStartTimeout;
            while (!File.Exists(pidFile))
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"sshd of {name} exited with code {process.ExitCode} before listening: {Tail(logFile)}");
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"sshd of {name} was not listening after {_options.SshdStartTimeout.TotalSeconds:0} s: {Tail(logFile)}");
                await Task.Delay(15, ct).ConfigureAwait(false);
            }
        }

        private static string Tail(string file)
        {
            if (!File.Exists(file)) return "(no log)";
            var lines = File.ReadAllLines(file);
            return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 8)));
        }
    }
}
