using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Reconcile;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.LivePatch;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.Reconcile
{
    /// <summary>
    /// -Probe tells the truth about CloudStack's side: records stale or not (both values), and whether the VM's host
    /// holds the bundle, read over the same route on both transports; Get-SystemVm carries the failing health check.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class ProbeRecordsLabTests : LabWorldTests
    {
        private readonly TestBundle _bundle = new TestBundle();
        private readonly TestBundle _older = new TestBundle(extraScriptsBytes: 64, version: "4.19.0.0");

        protected override LabSpec Spec => SmallLabs.EveryKind();

        protected override FakeCloudStackOptions ServerOptions(SysVmPatch.TestWorld.NamespaceLab.Lab lab) =>
            new FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(20), ManagementScriptsSignature = _bundle.Bundle.Signature };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _bundle.Dispose();
            _older.Dispose();
        }

        private Task<VersionComparison> ProbeAsync(string name, SshTransport transport) => LabProbe.ProbeAsync(World, _bundle.Folder, name, transport);

        [LabTheory]
        [InlineData(SshTransport.SshNet)]
        [InlineData(SshTransport.OpenSsh)]
        public async Task Probe_reports_stale_records_with_both_values_and_what_the_host_holds(SshTransport transport)
        {
            var lab = World.Lab;
            lab.SetHostVmsFiles("kvm-b", _older.Folder);
            await lab.ExecInVmAsync("r-3-VM", $"echo {_bundle.Bundle.Signature} > /var/cache/cloud/cloud-scripts-signature");

            var stale = await ProbeAsync("r-3-VM", transport);
            Assert.True(stale.RecordsStale);
            Assert.Equal(_bundle.Bundle.Signature, stale.RunningSignature);
            Assert.Equal(ResolvedLab.SignatureForRelease("4.19.0.0"), stale.RecordedSignature);
            Assert.Equal(_older.Bundle.Signature, stale.HostScriptsMd5);
            Assert.Equal(_older.Bundle.AgentZipMd5, stale.HostAgentZipMd5);
            Assert.False(stale.HostHoldsBundle);
            Assert.Contains("kvm-b", stale.HostFilesDetail);

            var router = (await World.FleetAsync()).Single(v => v.Name == "r-3-VM");
            Assert.True(router.HealthChecksFailed);
            Assert.Contains(router.FailedHealthChecks, f => f.StartsWith(RouterHealth.VersionCheck + ":", StringComparison.Ordinal));
            Assert.StartsWith("failed: router_version_check", router.Health);

            // The host now holds the bundle; CloudStack re-patches from it and records what the router runs.
            lab.SetHostVmsFiles("kvm-b", _bundle.Folder);
            await World.Client.RunAsyncJobAsync("restartNetwork", new Dictionary<string, string> { ["id"] = ResolvedLab.IdFor("network", "net1"), ["livepatch"] = "true" }, CancellationToken.None);
            var after = await ProbeAsync("r-3-VM", transport);
            Assert.False(after.RecordsStale);
            Assert.True(after.HostHoldsBundle);
            Assert.Equal("ok", (await World.FleetAsync()).Single(v => v.Name == "r-3-VM").Health);
        }

        [LabFact]
        public async Task A_host_without_the_package_is_reported_as_such_and_never_as_holding_the_bundle()
        {
            World.Lab.SetHostVmsFiles("kvm-a", System.IO.Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "svp-none-" + Guid.NewGuid().ToString("N"))).FullName);
            var ssvm = await ProbeAsync("s-1-VM", SshTransport.SshNet);
            Assert.Null(ssvm.RecordsStale); // CloudStack keeps no scripts record for an SSVM
            Assert.Null(ssvm.HostScriptsMd5);
            Assert.False(ssvm.HostHoldsBundle);
            Assert.Contains("has no /usr/share/cloudstack-common/vms/cloud-scripts.tgz", ssvm.HostFilesDetail);
        }
    }
}
