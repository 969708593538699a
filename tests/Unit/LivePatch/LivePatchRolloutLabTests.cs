using System;
using System.Collections.Generic;
using SysVmPatch.Engine.CloudStack;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;
using Xunit.Abstractions;
using static SysVmPatch.Tests.LivePatch.LabPatching;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>Live patch against the namespace lab: real sshd, jump hosts, the on-VM agent, the service stand-in.</summary>
    [Collection(LabCollection.Name)]
    public sealed class LivePatchRolloutLabTests
    {
        private readonly ITestOutputHelper _output;
        public LivePatchRolloutLabTests(ITestOutputHelper output) { _output = output; }

        [LabFact]
        public async Task A_twenty_vm_mixed_rollout_patches_all_in_batches_backup_before_primary_and_a_rerun_changes_nothing()
        {
            await using var lab = await Lab.StartAsync(LabSpec.Generate(1, 4, 5));
            using var bundle = new TestBundle();
            var vms = Vms(lab);
            Assert.Equal(20, vms.Count);
            var keystores = lab.Topology.Vms.Where(v => v.Type != SystemVmType.Router)
                .ToDictionary(v => v.Name, v => File.ReadAllBytes(lab.VmPath(v.Name, "/usr/local/cloud/systemvm/conf/cloud.jks")));
            var agentProperties = lab.Topology.Vms.Where(v => v.Type != SystemVmType.Router)
                .ToDictionary(v => v.Name, v => File_(lab, v.Name, "/usr/local/cloud/systemvm/conf/agent.properties"));

            var service = new LivePatchService();
            var timeline = new System.Collections.Concurrent.ConcurrentQueue<(string What, string? Vm, int Batch)>();
            var results = await RunAsync(service, vms, Options(lab, bundle, batchSize: 6, throttle: 3), _output, also: e =>
            {
                if (e.Rollout?.Kind is Engine.Rollout.RolloutEventKind.BatchStarted or Engine.Rollout.RolloutEventKind.BatchCompleted)
                    timeline.Enqueue((e.Rollout.Kind.ToString(), null, e.Rollout.Batch));
                else if (e.Kind == LivePatchEventKind.Step && e.Message!.StartsWith("connect ", StringComparison.Ordinal)) timeline.Enqueue(("connect", e.VmName, 0));
                else if (e.Kind == LivePatchEventKind.Step && e.Message == "agent started detached") timeline.Enqueue(("started", e.VmName, 0));
            });

            Assert.Equal(20, results.Count);
            Assert.All(results, r => Assert.True(r.Status == LivePatchStatus.Patched, $"{r.VmName}: {r.Status} {r.FailedStep} {r.Error}"));
            Assert.Equal(4, results.Max(r => r.Batch));
            Assert.All(results.GroupBy(r => r.Batch), g => Assert.InRange(g.Count(), 1, 6));
            Assert.All(results, r => Assert.Equal(bundle.Bundle.Signature, r.ToSignature));
            Assert.Single(results.Select(r => r.RunId).Distinct());
            Assert.Equal(20, service.LastRunConnections); // one connection per VM (the default, SSH.NET, carries all its commands)

            foreach (var vm in lab.Topology.Vms)
            {
                Assert.Equal(bundle.Bundle.Signature, Signature(lab, vm.Name));
                Assert.Contains(TestBundle.NewScriptMarker, File_(lab, vm.Name, "/opt/cloud/bin/get_template_version.sh"));
                AssertServicesActive(lab, vm);
                Assert.Equal(vm.Spec.ServicesOrDefault().Count, Restarts(lab, vm.Name));
                Assert.False(HasStageOrBackup(lab, vm.Name), vm.Name + " kept its stage or backup after success");
                Assert.False(LockHeld(lab, vm.Name));
                Assert.Equal("Cloudstack Release " + vm.Spec.Release, File_(lab, vm.Name, "/etc/cloudstack-release").Split(' ').Take(3).Aggregate((a, b) => a + " " + b));
            }
            foreach (var (name, jks) in keystores)
            {
                Assert.Equal("new agent jar 4.19.1\n", File_(lab, name, "/usr/local/cloud/systemvm/cloud-agent.jar"));
                Assert.Equal(jks, File.ReadAllBytes(lab.VmPath(name, "/usr/local/cloud/systemvm/conf/cloud.jks")));
                Assert.Equal(agentProperties[name], File_(lab, name, "/usr/local/cloud/systemvm/conf/agent.properties"));
                Assert.True(File.Exists(lab.VmPath(name, "/usr/local/cloud/systemvm/certs/realhostip.crt")));
            }
            var cpvm = lab.Topology.Vms.Single(v => v.Type == SystemVmType.CPVM);
            var rule = await lab.ExecInVmAsync(cpvm.Name, "iptables -C INPUT -i eth2 -p tcp -m state --state NEW -m tcp --dport 8080 -j ACCEPT && echo present");
            Assert.Contains("present", rule.Output);
            Assert.All(lab.Topology.Vms.Where(v => v.Type == SystemVmType.Router), r =>
                Assert.Equal("", File_(lab, r.Name, "/usr/local/cloud/systemvm/cloud-agent.jar").Contains("new agent", StringComparison.Ordinal) ? "router got the agent" : ""));

            // The redundant pair: BACKUP in an earlier batch, and its services restarted before the PRIMARY's.
            var backup = lab.Topology.Vms.Single(v => v.Spec.RedundantState == "BACKUP");
            var primary = lab.Topology.Vms.Single(v => v.Spec.RedundantState == "PRIMARY");
            Assert.True(results.Single(r => r.VmName == backup.Name).Batch < results.Single(r => r.VmName == primary.Name).Batch);
            long LastRestart(string vm) => lab.ServiceCalls(vm).Where(c => c.Contains(" restart ")).Select(c => long.Parse(c.Split(' ')[0])).Max();
            long FirstRestart(string vm) => lab.ServiceCalls(vm).Where(c => c.Contains(" restart ")).Select(c => long.Parse(c.Split(' ')[0])).Min();
            Assert.True(LastRestart(backup.Name) <= FirstRestart(primary.Name));

            // Batches keep their meaning with head starts: every VM is changed (its agent started) inside its own
            // batch, while VMs of the next batch were connected and read as the batch before drained.
            var events = timeline.ToList();
            int At(string what, string? vm, int batch = 0) => events.FindIndex(x => x.What == what && x.Vm == vm && x.Batch == batch);
            foreach (var r in results)
            {
                int started = At("started", r.VmName);
                Assert.True(started > At("BatchStarted", null, r.Batch) && started < At("BatchCompleted", null, r.Batch), $"{r.VmName} was changed outside batch {r.Batch}");
            }
            Assert.Contains(results, r => r.Batch > 1 && At("connect", r.VmName) < At("BatchCompleted", null, r.Batch - 1));

            // Idempotent: a second run finds every VM current and restarts nothing.
            var again = await RunAsync(new LivePatchService(), vms, Options(lab, bundle, batchSize: 6, throttle: 3), _output);
            Assert.All(again, r => Assert.Equal(LivePatchStatus.AlreadyCurrent, r.Status));
            foreach (var vm in lab.Topology.Vms) Assert.Equal(vm.Spec.ServicesOrDefault().Count, Restarts(lab, vm.Name));
        }

        [LabFact]
        public async Task A_service_that_fails_to_restart_rolls_the_vm_back_to_its_old_scripts_with_services_active()
        {
            await using var lab = await Lab.StartAsync(SmallLab());
            using var bundle = new TestBundle();
            var router = lab.Topology.Vm("r-3-VM");
            string oldSignature = Signature(lab, router.Name);
            string oldScript = File_(lab, router.Name, "/opt/cloud/bin/get_template_version.sh");
            lab.SetServiceFault(router.Name, "haproxy", "fail-once");

            var results = await RunAsync(new LivePatchService(), Vms(lab), Options(lab, bundle), _output);

            var r = results.Single(x => x.VmName == router.Name);
            Assert.Equal(LivePatchStatus.RolledBack, r.Status);
            Assert.Equal("restart", r.FailedStep);
            Assert.Contains("haproxy", r.Error);
            Assert.Equal(oldSignature, r.ToSignature);
            Assert.Equal(oldSignature, Signature(lab, router.Name));
            Assert.Equal(oldScript, File_(lab, router.Name, "/opt/cloud/bin/get_template_version.sh"));
            Assert.False(File.Exists(lab.VmPath(router.Name, "/opt/cloud/bin/new_in_4191.sh")), "a file the patch added survived the rollback");
            AssertServicesActive(lab, router);
            Assert.Contains(r.Steps, s => s.StartsWith("rollback ok", StringComparison.Ordinal));
            Assert.False(LockHeld(lab, router.Name));
            // The other VMs are unaffected.
            Assert.All(results.Where(x => x.VmName != router.Name), x => Assert.Equal(LivePatchStatus.Patched, x.Status));
        }

        [LabFact]
        public async Task Without_connection_sharing_a_patch_still_needs_only_a_handful_of_connections_per_vm()
        {
            await using var lab = await Lab.StartAsync(SmallLab());
            using var bundle = new TestBundle();
            var service = new LivePatchService(o => new OpenSshClient(o.ShareConnections));
            var results = await RunAsync(service, Vms(lab), Options(lab, bundle) with { ShareConnections = false }, _output);
            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            // The preflight, then one command that uploads, starts and waits: two SSH connections per VM, as on Windows OpenSSH.
            Assert.Equal(2 * results.Count, service.LastRunConnections);
        }

        [LabFact]
        public async Task The_engine_default_transport_is_ssh_net_as_the_cmdlets_one_connection_per_vm_without_connection_sharing()
        {
            await using var lab = await Lab.StartAsync(SmallLab());
            using var bundle = new TestBundle();
            var service = new LivePatchService();
            // OpenSSH without ControlMaster opens two connections per VM (the test above); SSH.NET keeps one per VM
            // for everything, and connection sharing is OpenSSH's option, not its.
            var results = await RunAsync(service, Vms(lab), Options(lab, bundle) with { ShareConnections = false }, _output);
            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            Assert.Equal(results.Count, service.LastRunConnections);
        }

        [LabFact]
        public async Task Router_rules_are_reapplied_once_per_network_after_its_routers_are_patched()
        {
            await using var lab = await Lab.StartAsync(LabSpec.Generate(1, 2, 3));
            using var bundle = new TestBundle();
            var api = new RecordingCloudStackApi();
            var vms = Vms(lab);
            var options = Options(lab, bundle, batchSize: 2) with { ReapplyRouterRules = true, Apis = new Dictionary<string, ICloudStackApi> { ["lab"] = api } };
            // CloudStack re-patches from each host's own files: the restart is only asked for where they are the bundle.
            foreach (var host in lab.Topology.Hosts) lab.SetHostVmsFiles(host.Name, bundle.Folder);

            var results = await RunAsync(new LivePatchService(), vms, options, _output);

            Assert.All(results, r => Assert.Equal(LivePatchStatus.Patched, r.Status));
            var networks = vms.Where(v => v.Type == SystemVmType.Router).Select(v => v.NetworkId).Distinct().ToList();
            Assert.Equal(networks.Count, api.Jobs.Count);
            Assert.Equal(networks.OrderBy(n => n), api.Jobs.Select(j => j.Parameters["id"]).OrderBy(n => n));
            Assert.All(api.Jobs, j =>
            {
                Assert.Equal("restartNetwork", j.Command);
                Assert.Equal("true", j.Parameters["livepatch"]);
                Assert.Equal("false", j.Parameters["cleanup"]);
            });
            // The pair's network is restarted only after both of its routers are patched.
            var primary = results.Single(r => r.VmName == vms.Single(v => v.RedundantState == "PRIMARY").Name);
            Assert.Contains(primary.Steps, s => s.StartsWith("restartNetwork", StringComparison.Ordinal));
            Assert.DoesNotContain(results.Single(r => r.VmName == vms.Single(v => v.RedundantState == "BACKUP").Name).Steps, s => s.StartsWith("restartNetwork", StringComparison.Ordinal));
        }

        internal static LabSpec SmallLab(int? routerDiskMiB = null) => new(new[]
        {
            new ZoneSpec("zone1", new[]
            {
                new HostSpec("kvm-a", new[]
                {
                    new VmSpec("s-1-VM", SystemVmType.SSVM),
                    new VmSpec("v-2-VM", SystemVmType.CPVM),
                }),
                new HostSpec("kvm-b", new[]
                {
                    new VmSpec("r-3-VM", SystemVmType.Router) { NetworkName = "net1", DiskMiB = routerDiskMiB },
                    new VmSpec("r-4-VM", SystemVmType.Router) { NetworkName = "net2" },
                }),
            }),
        });
    }
}
