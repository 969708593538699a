using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Json;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.LivePatch;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.FakeCloudStack
{
    /// <summary>
    /// The test world behaves as CloudStack does around a live patch: each host has its own cloudstack-common vms/
    /// files; restartNetwork livepatch=true, patchSystemVm and a start copy THOSE into the VM; the records follow only
    /// then; router_version_check fails while they disagree with the router; router.version.check refuses commands.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class CloudStackRecordsLabTests : LabWorldTests
    {
        private readonly TestBundle _bundle = new TestBundle();
        private readonly TestBundle _older = new TestBundle(extraScriptsBytes: 64, version: "4.19.0.0");

        protected override LabSpec Spec => SmallLabs.EveryKind();

        protected override FakeCloudStackOptions ServerOptions(SysVmPatch.TestWorld.NamespaceLab.Lab lab) => new FakeCloudStackOptions
        {
            JobPendingTime = TimeSpan.FromMilliseconds(20),
            ManagementScriptsSignature = _bundle.Bundle.Signature,
            MinimumSystemVmTemplateVersion = "4.19.0",
            RouterVersionCheck = true,
        };

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _bundle.Dispose();
            _older.Dispose();
        }

        private async Task<IDictionary<string, object?>> RouterAsync(string name) =>
            (await World.Client.ListAllAsync("listRouters", "router", Params(("listall", "true"), ("fetchhealthcheckresults", "true"), ("name", name)), CancellationToken.None)).Single();

        private static Dictionary<string, string> Params(params (string Name, string Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

        private static bool VersionCheckPasses(IDictionary<string, object?> router) =>
            ((IDictionary<string, object?>)router.GetArray("healthcheckresults")!.Single()!).GetBool("success") == true;

        [LabFact]
        public async Task Each_host_sees_its_own_cloudstack_common_vms_files()
        {
            var lab = World.Lab;
            lab.SetHostVmsFiles("kvm-a", _bundle.Folder);
            lab.SetHostVmsFiles("kvm-b", _older.Folder);
            var a = await OpenSsh.HostAsync(lab, lab.Topology.Host("kvm-a"), "md5sum /usr/share/cloudstack-common/vms/cloud-scripts.tgz");
            var b = await OpenSsh.HostAsync(lab, lab.Topology.Host("kvm-b"), "md5sum /usr/share/cloudstack-common/vms/cloud-scripts.tgz");
            Assert.True(a.ExitCode == 0, a.Output);
            Assert.StartsWith(_bundle.Bundle.Signature, a.Output);
            Assert.StartsWith(_older.Bundle.Signature, b.Output);
            Assert.False(File.Exists("/usr/share/cloudstack-common/vms/cloud-scripts.tgz"), "the host files must not leak into the machine's own /usr/share");
        }

        [LabFact]
        public async Task RestartNetwork_livepatch_copies_the_hosts_files_then_records_what_the_router_runs()
        {
            var lab = World.Lab;
            lab.SetHostVmsFiles("kvm-b", _older.Folder);
            var before = await RouterAsync("r-3-VM");
            Assert.True(VersionCheckPasses(before));

            // An out-of-band patch: the router runs the bundle, the records do not know.
            await lab.ExecInVmAsync("r-3-VM", $"echo {_bundle.Bundle.Signature} > /var/cache/cloud/cloud-scripts-signature");
            var stale = await RouterAsync("r-3-VM");
            Assert.False(VersionCheckPasses(stale));
            Assert.True(stale.GetBool("healthchecksfailed"));

            var restarts = lab.ServiceCalls("r-3-VM").Count;
            await World.Client.RunAsyncJobAsync("restartNetwork", Params(("id", ResolvedLab.IdFor("network", "net1")), ("livepatch", "true"), ("cleanup", "false")), CancellationToken.None);

            // The host's OLDER files replaced the patch, services restarted again, and the records follow the router.
            Assert.Equal(_older.Bundle.Signature, lab.ReadVersion("r-3-VM")!.Signature);
            Assert.Contains(lab.ServiceCalls("r-3-VM").Skip(restarts), c => c.EndsWith("systemctl restart haproxy", StringComparison.Ordinal));
            var after = await RouterAsync("r-3-VM");
            Assert.Equal(_older.Bundle.Signature, after.GetString("scriptsversion"));
            Assert.Equal(World.Server.ManagementVersion, after.GetString("softwareversion"));
            Assert.False(after.GetBool("requiresupgrade")); // software version is now the management server's
            Assert.True(VersionCheckPasses(after));
        }

        [LabFact]
        public async Task A_host_without_files_fails_the_routers_patch_which_CloudStack_only_logs()
        {
            var noPackage = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "svp-empty-" + Guid.NewGuid().ToString("N"))).FullName;
            World.Lab.SetHostVmsFiles("kvm-b", noPackage);
            // Whether the rules then pass router.version.check depends on r-4-VM's record, which another test changes.
            try { await World.Client.RunAsyncJobAsync("restartVPC", Params(("id", ResolvedLab.IdFor("vpc", "vpc1")), ("livepatch", "true")), CancellationToken.None); }
            catch (CloudStackJobFailedException e) { Assert.Contains("Router requires upgrade", e.Message); }
            Assert.Contains(World.Server.FailedLivePatches, l => l.StartsWith("r-4-VM: ", StringComparison.Ordinal) && l.Contains("No such file", StringComparison.Ordinal));
            Assert.Equal("0123456789abcdef0123456789abcdef", World.Lab.ReadVersion("r-4-VM")!.Signature);
        }

        [LabFact]
        public async Task PatchSystemVm_refuses_routers_and_says_when_nothing_changed()
        {
            var lab = World.Lab;
            var router = await RouterAsync("r-3-VM");
            var refused = await Assert.ThrowsAnyAsync<CloudStackException>(() => World.Client.RunAsyncJobAsync("patchSystemVm", Params(("id", router.GetString("id")!)), CancellationToken.None));
            Assert.Contains("patchSystemVm API can be used to patch CPVM / SSVM only", refused.Message);

            lab.SetHostVmsFiles("kvm-a", _bundle.Folder);
            string cpvm = World.Server.GetVm("v-2-VM").Id;
            var first = await World.Client.RunAsyncJobAsync("patchSystemVm", Params(("id", cpvm)), CancellationToken.None);
            Assert.Contains("Successfully patched systemVM v-2-VM", first.Result.GetString("displaytext"));
            Assert.Equal(_bundle.Bundle.Signature, lab.ReadVersion("v-2-VM")!.Signature);
            Assert.Equal("4.19.1.0", World.Server.GetVm("v-2-VM").AgentVersion); // the agent reconnected with the host's agent.zip
            var second = await World.Client.RunAsyncJobAsync("patchSystemVm", Params(("id", cpvm)), CancellationToken.None);
            Assert.Equal("No change in the scripts checksum, not patching systemVM v-2-VM", second.Result.GetString("displaytext"));
        }

        [LabFact]
        public async Task Router_version_check_refuses_commands_to_an_old_router_with_foreign_scripts()
        {
            // r-4-VM: a template below minreq 4.19.0 on record, recorded scripts not the management server's.
            World.Server.SetTemplateVersion("r-4-VM", "4.18.0.0");
            var r4 = await RouterAsync("r-4-VM");
            Assert.True(r4.GetBool("requiresupgrade"));
            var refused = await Assert.ThrowsAnyAsync<CloudStackException>(() => World.Client.RunAsyncJobAsync("rebootRouter", Params(("id", r4.GetString("id")!)), CancellationToken.None));
            Assert.Contains("Router requires upgrade", refused.Message);
            Assert.True(World.Lab.IsVmRunning("r-4-VM"));
        }

        [LabFact]
        public async Task A_start_brings_the_hosts_files_into_the_vm()
        {
            var lab = World.Lab;
            lab.SetHostVmsFiles("kvm-a", _older.Folder);
            await lab.ExecInVmAsync("s-1-VM", $"echo {_bundle.Bundle.Signature} > /var/cache/cloud/cloud-scripts-signature");
            string ssvm = World.Server.GetVm("s-1-VM").Id;
            await World.Client.RunAsyncJobAsync("rebootSystemVm", Params(("id", ssvm)), CancellationToken.None);
            Assert.Equal(_older.Bundle.Signature, lab.ReadVersion("s-1-VM")!.Signature);
        }
    }
}
