using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit.Abstractions;
using static SysVmPatch.Tests.LivePatch.LabPatching;

namespace SysVmPatch.Tests.LivePatch
{
    [Collection(LabCollection.Name)]
    public sealed class LivePatchControllerKillLabTests
    {
        private readonly ITestOutputHelper _output;
        public LivePatchControllerKillLabTests(ITestOutputHelper output) { _output = output; }

        [LabFact]
        public async Task A_controller_killed_mid_patch_leaves_every_vm_on_one_version_and_the_next_run_reports_it()
        {
            await using var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            using var bundle = new TestBundle();
            // Slow restarts keep the agents busy when the controller dies; one VM's restart fails and must roll back alone.
            foreach (var vm in lab.Topology.Vms)
                foreach (var svc in vm.Spec.ServicesOrDefault()) lab.SetServiceFault(vm.Name, svc, "slow:1");
            lab.SetServiceFault("r-4-VM", "dnsmasq", "fail-once");
            var olds = lab.Topology.Vms.ToDictionary(v => v.Name, v => Signature(lab, v.Name));

            string work = Path.Combine(Path.GetTempPath(), "svp-kill-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(work);
            string runId = "killed" + Guid.NewGuid().ToString("N").Substring(0, 6);
            var spec = new ControllerChildSpec(Vms(lab), bundle.Folder, lab.PrivateKeyPath, lab.KnownHostsPath, runId, Path.Combine(work, "pid"), Path.Combine(work, "events"));
            string specFile = Path.Combine(work, "spec.json");
            File.WriteAllText(specFile, JsonSerializer.Serialize(spec));

            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "test", typeof(ControllerChild).Assembly.Location, "--filter", "FullyQualifiedName=SysVmPatch.Tests.LivePatch.ControllerChild.Run_the_engine_as_a_child_controller" }) psi.ArgumentList.Add(a);
            psi.Environment[ControllerChild.EnvironmentVariable] = specFile;
            using var child = Process.Start(psi)!;
            var childOut = child.StandardOutput.ReadToEndAsync();
            var childErr = child.StandardError.ReadToEndAsync();
            try
            {
                // Kill once every agent runs on its VM (each VM's lock is taken by the agent's start).
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (DateTime.UtcNow < deadline && !lab.Topology.Vms.All(v => LockHeld(lab, v.Name))) await Task.Delay(50);
                Assert.True(lab.Topology.Vms.All(v => LockHeld(lab, v.Name)), "the child controller never started every agent");
                int pid = int.Parse(File.ReadAllText(spec.PidFile), System.Globalization.CultureInfo.InvariantCulture);
                using (var controller = Process.GetProcessById(pid)) controller.Kill(); // SIGKILL
                _output.WriteLine($"SIGKILLed controller {pid} with every agent running");
                Assert.False(lab.Topology.Vms.All(v => File.Exists(lab.VmPath(v.Name, $"/var/cache/cloud/sysvmpatch/runs/{runId}/outcome"))), "the agents finished before the kill; the test proved nothing");
            }
            finally
            {
                if (!child.WaitForExit(60_000)) child.Kill(entireProcessTree: true);
                _output.WriteLine(await childOut);
                _output.WriteLine(await childErr);
                if (File.Exists(spec.EventsFile)) _output.WriteLine(File.ReadAllText(spec.EventsFile));
            }

            // Without any controller, each agent finishes: patched, or rolled back.
            var until = DateTime.UtcNow.AddMinutes(2);
            // An agent writes its outcome before it cleans up and releases the lock (a reset in between must leave
            // the outcome): it has ended once both are true.
            while (DateTime.UtcNow < until && !lab.Topology.Vms.All(v => File.Exists(lab.VmPath(v.Name, $"/var/cache/cloud/sysvmpatch/runs/{runId}/outcome")) && !LockHeld(lab, v.Name))) await Task.Delay(200);
            foreach (var vm in lab.Topology.Vms)
            {
                string outcome = File.ReadAllText(lab.VmPath(vm.Name, $"/var/cache/cloud/sysvmpatch/runs/{runId}/outcome"));
                _output.WriteLine($"{vm.Name}: {outcome.Replace('\n', ' ')}");
                string expected = vm.Name == "r-4-VM" ? "RolledBack" : "Patched";
                Assert.Contains("status=" + expected, outcome);
                Assert.Equal(expected == "Patched" ? bundle.Bundle.Signature : olds[vm.Name], Signature(lab, vm.Name));
                AssertServicesActive(lab, vm);
                Assert.False(LockHeld(lab, vm.Name));
                Assert.False(HasStageOrBackup(lab, vm.Name));
            }

            // The next run finds and reports what the dead controller's run left.
            foreach (var vm in lab.Topology.Vms) foreach (var svc in vm.Spec.ServicesOrDefault()) lab.SetServiceFault(vm.Name, svc, null);
            var next = await RunAsync(new LivePatchService(), Vms(lab), Options(lab, bundle), _output);
            foreach (var r in next)
            {
                Assert.StartsWith($"run {runId}: " + (r.VmName == "r-4-VM" ? "RolledBack at restart" : "Patched"), r.PreviousRun);
                Assert.Equal(r.VmName == "r-4-VM" ? LivePatchStatus.Patched : LivePatchStatus.AlreadyCurrent, r.Status);
            }
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
