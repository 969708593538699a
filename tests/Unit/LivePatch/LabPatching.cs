using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>Glue between the namespace lab and the live-patch engine for the integration tests.</summary>
    internal static class LabPatching
    {
        /// <summary>The lab's VMs as inventory would return them (KVM: jump through the host to the link-local IP).</summary>
        public static List<SystemVm> Vms(Lab lab) => lab.Topology.Vms.Select(v => new SystemVm
        {
            Id = v.Id, Name = v.Name, Type = v.Type, Hypervisor = v.Host.Spec.Hypervisor, State = v.Spec.State,
            HostName = v.Host.Name, HostAddress = v.Host.Address, LinkLocalIp = v.LinkLocalIp, PrivateIp = v.PrivateIp,
            ZoneName = v.Host.Zone.Name, TemplateVersion = v.Spec.Release,
            IsRedundant = v.Spec.RedundantGroup != null, RedundantState = v.Spec.RedundantState,
            NetworkId = v.Spec.RedundantGroup ?? v.Spec.NetworkName, NetworkName = v.Spec.NetworkName, VpcName = v.Spec.VpcName,
            Server = "lab",
        }).ToList();

        public static LivePatchOptions Options(Lab lab, TestBundle bundle, int batchSize = 10, int? throttle = null, int? maxFailures = null) => new()
        {
            Bundle = bundle.Bundle,
            Rollout = new RolloutOptions { BatchSize = batchSize, ThrottleLimit = throttle, MaxFailures = maxFailures },
            Ssh = new SshRouteOptions { IdentityFile = lab.PrivateKeyPath, KnownHostsFile = lab.KnownHostsPath, ConnectTimeout = TimeSpan.FromSeconds(5) },
            AgentTimeout = TimeSpan.FromMinutes(3),
        };

        public static async Task<IReadOnlyList<LivePatchResult>> RunAsync(LivePatchService service, IReadOnlyList<SystemVm> vms, LivePatchOptions options, ITestOutputHelper output, CancellationToken ct = default, Action<LivePatchEvent>? also = null)
        {
            var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var results = await service.RunAsync(vms, options, e =>
            {
                log.Enqueue($"{sw.Elapsed.TotalSeconds,6:0.00} {e.Kind} {e.VmName} {e.Message} {e.Result?.Status}");
                also?.Invoke(e);
            }, ct);
            foreach (var l in log) output.WriteLine(l);
            output.WriteLine($"{results.Count} results in {sw.Elapsed.TotalSeconds:0.0} s, {service.LastRunConnections} SSH connections");
            foreach (var r in results) output.WriteLine($"  {r.VmName,-10} {r.Status,-14} batch {r.Batch} {r.FailedStep} {r.Error} {r.PreviousRun}");
            return results;
        }

        public static string Signature(Lab lab, string vm) => File.ReadAllText(lab.VmPath(vm, "/var/cache/cloud/cloud-scripts-signature")).Trim();

        public static string File_(Lab lab, string vm, string path) => File.ReadAllText(lab.VmPath(vm, path));

        public static void AssertServicesActive(Lab lab, LabVm vm)
        {
            foreach (var svc in vm.Spec.ServicesOrDefault())
                Assert.True(lab.ServiceState(vm.Name, svc) == "active", $"{vm.Name}: {svc} is {lab.ServiceState(vm.Name, svc)}");
        }

        public static int Restarts(Lab lab, string vm) => lab.ServiceCalls(vm).Count(c => c.Contains(" restart "));

        public static bool HasStageOrBackup(Lab lab, string vm)
        {
            string runs = lab.VmPath(vm, "/var/cache/cloud/sysvmpatch/runs");
            return Directory.Exists(runs) && Directory.EnumerateDirectories(runs).Any(r => Directory.Exists(Path.Combine(r, "stage")) || Directory.Exists(Path.Combine(r, "backup")));
        }

        public static bool LockHeld(Lab lab, string vm) => Directory.Exists(lab.VmPath(vm, "/var/cache/cloud/sysvmpatch/lock"));
    }
}
