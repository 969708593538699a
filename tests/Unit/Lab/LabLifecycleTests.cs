using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.NamespaceLab
{
    [Collection(LabCollection.Name)]
    public sealed class LabLifecycleTests
    {
        private readonly ITestOutputHelper _output;

        public LabLifecycleTests(ITestOutputHelper output) { _output = output; }

        [LabFact]
        public async Task Two_hundred_vms_come_up_and_go_away_cleanly()
        {
            var spec = LabSpec.Generate(2, 4, 25);
            var clock = Stopwatch.StartNew();
            var lab = await Lab.StartAsync(spec, new LabOptions { Log = line => _output.WriteLine(line) });
            try
            {
                _output.WriteLine($"200-VM lab up: {lab.Timings}");
                Assert.Equal(200, lab.Topology.Vms.Count);
                Assert.All(lab.Topology.Vms, vm => Assert.True(lab.IsVmRunning(vm.Name), vm.Name));

                // Every VM's sshd answers on its host's cloud0: one real SSH session per host probes all its VMs.
                var probe = Stopwatch.StartNew();
                var answered = 0;
                await Task.WhenAll(lab.Topology.Hosts.Select(async host =>
                {
                    var ips = lab.Topology.Vms.Where(v => v.Host == host).Select(v => v.LinkLocalIp);
                    string script = "for ip in " + string.Join(" ", ips) + "; do timeout 5 bash -c \"exec 3<>/dev/tcp/$ip/3922; head -c 8 <&3\"; echo; done";
                    var result = await OpenSsh.HostAsync(lab, host, script);
                    int banners = result.Output.Split('\n').Count(l => l.StartsWith("SSH-2.0", StringComparison.Ordinal));
                    System.Threading.Interlocked.Add(ref answered, banners);
                }));
                _output.WriteLine($"probed every sshd in {probe.Elapsed.TotalSeconds:0.0} s");
                Assert.Equal(200, answered);
                var sample = lab.Topology.Vms[150];
                var ssh = await OpenSsh.ViaHostAsync(lab, sample, "hostname");
                Assert.Equal(sample.Name, ssh.Output.Trim());
            }
            finally
            {
                var down = Stopwatch.StartNew();
                await lab.DisposeAsync();
                _output.WriteLine($"torn down in {down.Elapsed.TotalSeconds:0.0} s; whole test {clock.Elapsed.TotalSeconds:0.0} s");
            }
            Assert.Empty(Lab.Leftovers());
        }

        [LabFact]
        public async Task A_world_left_by_a_killed_run_is_cleaned_at_the_next_start()
        {
            using (var up = StartCli("up", "--hosts", "1", "--vms", "2"))
            {
                await WaitForLineAsync(up, "Lab up");
                up.Kill(); // SIGKILL: no handler runs, the sshds and VM inits are left running in their own sessions
                up.WaitForExit();
            }
            var leftovers = Lab.Leftovers();
            _output.WriteLine("left by the killed run: " + leftovers.Count);
            Assert.Contains(leftovers, l => l.StartsWith("netns svplab-", StringComparison.Ordinal));
            Assert.Contains(leftovers, l => l.StartsWith("process ", StringComparison.Ordinal));
            Assert.Contains(leftovers, l => l.StartsWith("mount ", StringComparison.Ordinal));

            await using (var lab = await Lab.StartAsync(SmallLabs.EveryKind()))
            {
                var vm = lab.Topology.Vm("r-3-VM");
                var ssh = await OpenSsh.ViaHostAsync(lab, vm, "hostname");
                Assert.True(ssh.ExitCode == 0, ssh.Output);
                // Only this lab's namespaces exist now (2 hosts, 4 VMs), none of the killed one's.
                Assert.Equal(6, Lab.Leftovers().Count(l => l.StartsWith("netns ", StringComparison.Ordinal)));
            }
            Assert.Empty(Lab.Leftovers());
        }

        [LabFact]
        public async Task Up_stops_cleanly_on_sigterm_and_down_cleans_when_the_process_is_gone()
        {
            using (var up = StartCli("up", "--hosts", "1", "--vms", "3"))
            {
                await WaitForLineAsync(up, "Lab up");
                var status = await RunCliAsync("status");
                Assert.Equal(0, status.ExitCode);
                Assert.Contains("running", status.Output);

                var down = await RunCliAsync("down");
                Assert.Equal(0, down.ExitCode);
                Assert.True(up.WaitForExit(60_000));
                Assert.Equal(0, up.ExitCode);
            }
            Assert.Empty(Lab.Leftovers());

            var none = await RunCliAsync("status");
            Assert.NotEqual(0, none.ExitCode);
        }

        [LabFact]
        public async Task Only_one_lab_runs_at_a_time()
        {
            await using var lab = await Lab.StartAsync(SmallLabs.EveryKind());
            var waitBriefly = new LabOptions { LockWaitTimeout = TimeSpan.FromSeconds(1) };
            await Assert.ThrowsAsync<InvalidOperationException>(() => Lab.StartAsync(SmallLabs.EveryKind(), waitBriefly));
            Assert.Throws<InvalidOperationException>(() => Lab.CleanStale());
            // The refused attempts did not disturb the running lab.
            Assert.Equal(0, (await OpenSsh.ViaHostAsync(lab, lab.Topology.Vm("s-1-VM"), "true")).ExitCode);
        }

        private static Process StartCli(params string[] args)
        {
            var psi = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SysVmPatch.TestWorld.dll"));
            foreach (var a in args) psi.ArgumentList.Add(a);
            return Process.Start(psi)!;
        }

        private static async Task<(int ExitCode, string Output)> RunCliAsync(params string[] args)
        {
            using var p = StartCli(args);
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            return (p.ExitCode, await stdout + await stderr);
        }

        private static async Task WaitForLineAsync(Process process, string marker)
        {
            var seen = new StringBuilder();
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (DateTime.UtcNow < deadline)
            {
                var line = await process.StandardOutput.ReadLineAsync();
                if (line == null) break;
                seen.AppendLine(line);
                if (line.Contains(marker, StringComparison.Ordinal)) return;
            }
            throw new Xunit.Sdk.XunitException($"`up` never said '{marker}'. Output: {seen} {await process.StandardError.ReadToEndAsync()}");
        }

        private static string DotnetHost()
        {
            string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
            string? self = Environment.ProcessPath;
            return self != null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }
    }
}
