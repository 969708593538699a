using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.Versions
{
    /// <summary>Compare-SysVmVersion -Probe against the lab: the VM's own files over SSH, through its hypervisor host.</summary>
    [Collection(LabCollection.Name)]
    public sealed class ProbeLabTests : LabWorldTests
    {

        protected override LabSpec Spec => LabSpec.Generate(zones: 1, hostsPerZone: 2, vmsPerHost: 3);

        [LabFact] public Task Probe_finds_a_VM_whose_signature_differs_from_what_the_API_claims_over_SshNet() => ProbeFindsStaleVm(SshTransport.SshNet);
        [LabFact] public Task Probe_finds_a_VM_whose_signature_differs_from_what_the_API_claims_over_OpenSsh() => ProbeFindsStaleVm(SshTransport.OpenSsh);
        [LabFact] public Task An_unreachable_VM_is_reported_with_why_and_the_API_still_answers_over_SshNet() => UnreachableVm(SshTransport.SshNet);
        [LabFact] public Task An_unreachable_VM_is_reported_with_why_and_the_API_still_answers_over_OpenSsh() => UnreachableVm(SshTransport.OpenSsh);

        private async Task ProbeFindsStaleVm(SshTransport transport)
        {
            var routers = (await World.FleetAsync(new InventoryQuery { Types = new[] { SystemVmType.Router } })).ToList();
            var stale = routers[0];
            var vmSignature = World.Lab.Topology.Vm(stale.Name).ScriptsSignature;
            const string claimed = "0123456789abcdef0123456789abcdef";
            World.Server.SetApiScriptsSignature(stale.Name, claimed);
            var fleet = (await World.FleetAsync(new InventoryQuery { Types = new[] { SystemVmType.Router } })).ToList();
            using var ssh = SshTransports.Create(transport);
            var request = new ComparisonRequest { Prober = new SshVmProber(ssh, World.SshOptions), TargetVersion = "4.19.1" };

            var results = await ComparisonService.CompareAsync(fleet, request, World.ServerByName, CancellationToken.None);

            Assert.All(results, r => Assert.True(r.Probed, r.ProbeError));
            Assert.All(results, r => Assert.True(r.BootFinished));
            var flagged = Assert.Single(results, r => r.Discrepancies.Count > 0);
            Assert.Equal(stale.Name, flagged.Name);
            Assert.Equal(vmSignature, flagged.CurrentSignature);
            Assert.Contains($"API says {claimed}, VM has {vmSignature}", flagged.Discrepancies[0]);
            Assert.All(results, r => Assert.Equal(CloudStackVersion.Parse(World.Lab.Topology.Vm(r.Name).Spec.Release).ToString(), r.TemplateRelease));
        }

        private async Task UnreachableVm(SshTransport transport)
        {
            var vm = (await World.FleetAsync(new InventoryQuery { Types = new[] { SystemVmType.SSVM } })).Single();
            await World.Lab.SetHostDownAsync(vm.HostName!, down: true);
            try
            {
                using var ssh = SshTransports.Create(transport);
                var request = new ComparisonRequest { Prober = new SshVmProber(ssh, World.SshOptions with { ConnectTimeout = System.TimeSpan.FromSeconds(3) }), TargetVersion = "4.19.1" };
                var result = (await ComparisonService.CompareAsync(new[] { vm }, request, World.ServerByName, CancellationToken.None)).Single();
                Assert.False(result.Probed);
                Assert.False(string.IsNullOrEmpty(result.ProbeError));
                Assert.Equal(VersionStatus.Outdated, result.Status);
            }
            finally
            {
                await World.Lab.SetHostDownAsync(vm.HostName!, down: false);
            }
        }
    }
}
