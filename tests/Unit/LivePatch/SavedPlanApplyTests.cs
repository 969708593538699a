using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.Plans;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Tests.History;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// Applying a saved plan (issue 14.1) against the fake management server over real HTTP: each VM read again and
    /// compared with the plan, a drifted VM skipped with what changed, and a plan for another server, a changed bundle,
    /// an edited decision or a VM that does not exist refused whole before anything is contacted over SSH.
    /// </summary>
    public sealed class SavedPlanApplyTests : IAsyncLifetime
    {
        private readonly TestBundle _tb = new TestBundle();
        private FakeCloudStackServer _server = null!;
        private CloudStackClient _client = null!;
        private List<SystemVm> _vms = null!;

        public async Task InitializeAsync()
        {
            _server = await FakeCloudStackServer.StartAsync(new ResolvedLab(LabSpec.Generate(1, 2, 4)));
            _client = new CloudStackClient(CloudStackConnectionSettings.Create(_server.Endpoint.AbsoluteUri, _server.ApiKey, new CloudStackSecret(_server.SecretKey), "lab")
                .With(retryCount: 0, timeout: TimeSpan.FromSeconds(20), allowUnencryptedAuthentication: true));
            _vms = (await InventoryReader.ReadAsync(new[] { _client }, new InventoryQuery { Types = new[] { SystemVmType.Router } }, CancellationToken.None))
                .Where(v => v.State == "Running" && !v.IsRedundant).Take(3).ToList();
            Assert.Equal(3, _vms.Count);
        }

        public async Task DisposeAsync()
        {
            _client.Dispose();
            await _server.DisposeAsync();
            _tb.Dispose();
        }

        // Made today, as New-LivePatchPlan does, and read back from its file text, as tomorrow's run does.
        private SavedLivePatchPlan PlanToday(string? endpoint = null)
        {
            var options = new LivePatchOptions { Bundle = _tb.Bundle, Rollout = new RolloutOptions { BatchSize = 2 } };
            var saved = PlanFacts.Save(LivePatchService.Plan(_vms, options), _ => endpoint ?? _server.Endpoint.AbsoluteUri, DateTimeOffset.UtcNow, "op@ws");
            return PlanReader.Parse(PlanJson.Write(saved), "plan.json");
        }

        private Task<LivePatchPlan> Tomorrow(SavedLivePatchPlan saved, params ICloudStackApi[] connections) =>
            PlanApplier.PrepareAsync(saved, connections.Length > 0 ? connections : new ICloudStackApi[] { _client }, new LivePatchOptions(), "plan.json", CancellationToken.None);

        private LabHost OtherHost(SystemVm vm) => _server.Lab.Hosts.First(h => h.Id != vm.HostId);

        [Fact]
        public async Task An_unchanged_cloud_gets_exactly_the_plan_in_its_batches_named_by_its_hash()
        {
            var saved = PlanToday();
            var plan = await Tomorrow(saved);
            Assert.Equal(saved.Vms.Select(v => (v.Name, v.Batch)), plan.Entries.Select(e => (e.Vm.Name, e.Batch)));
            Assert.All(plan.Entries, e => Assert.Equal(LivePatchAction.Patch, e.Action));
            Assert.Equal(new[] { 2, 1 }, plan.Batches.Select(b => b.Count));
            Assert.Equal(saved.Hash, plan.Options.PlanHash);
            Assert.Equal(3, plan.Options.PlannedSignatures!.Count);
            Assert.Equal(_tb.Bundle.Signature, plan.Options.Bundle.Signature);
            Assert.StartsWith("live-patch 3 routers in 2 batches of up to 2", LivePatchPlanText.Lines(plan)[0]);
        }

        [Fact]
        public async Task A_stopped_a_migrated_and_a_re_recorded_vm_are_skipped_as_drifted_naming_the_change()
        {
            var saved = PlanToday();
            _server.SetVmState(_vms[0].Name, "Stopped");
            _server.SetApiHost(_vms[1].Name, OtherHost(_vms[1]).Name);
            _server.SetApiScriptsSignature(_vms[2].Name, _tb.Bundle.Signature);

            var plan = await Tomorrow(saved);

            Assert.All(plan.Entries, e => Assert.Equal((LivePatchAction.Skip, PatchStep.Drifted, 0), (e.Action, e.Why!.Value, e.Batch)));
            Assert.Equal(PlanDrift.State | PlanDrift.Host, plan.Entries[0].Drift);
            Assert.Contains("state Running -> Stopped", plan.Entries[0].Reason);
            Assert.Equal(PlanDrift.Host, plan.Entries[1].Drift);
            Assert.Contains($"host {_vms[1].HostName} ({_vms[1].HostId}) -> {OtherHost(_vms[1]).Name}", plan.Entries[1].Reason);
            Assert.Equal(PlanDrift.Signature, plan.Entries[2].Drift);
            Assert.Contains($"-> {_tb.Bundle.Signature}", plan.Entries[2].Reason);
            Assert.Empty(plan.ToPatch);
            Assert.Contains("3 drifted since the plan, skipped", plan.Summary);
        }

        [Fact]
        public async Task A_vm_id_the_server_does_not_have_refuses_the_whole_plan()
        {
            var saved = PlanToday();
            saved = saved with { Vms = saved.Vms.Select((v, i) => i == 1 ? v with { Id = "00000000-dead-beef-0000-000000000000" } : v).ToList() };
            var e = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(saved));
            Assert.Equal("PlanVmNotFound", e.ErrorId);
            Assert.Contains($"{_vms[1].Name} (id 00000000-dead-beef-0000-000000000000)", e.Message);
            Assert.Contains("nothing was patched", e.Message);
        }

        [Fact]
        public async Task A_bundle_whose_files_changed_or_moved_refuses_the_plan()
        {
            var saved = PlanToday();
            File.AppendAllText(Path.Combine(_tb.Folder, PatchBundle.ScriptsFileName), "tampered");
            var changed = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(saved));
            Assert.Equal("PlanBundleChanged", changed.ErrorId);
            Assert.Contains($"cloud-scripts.tgz MD5 {_tb.Bundle.Signature} -> ", changed.Message);
            Assert.DoesNotContain("agent.zip", changed.Message);

            var moved = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(saved with { Bundle = saved.Bundle with { Path = _tb.Folder + "-moved" } }));
            Assert.Equal("PlanBundleChanged", moved.ErrorId);
            Assert.Contains("cannot be read at " + _tb.Folder + "-moved", moved.Message);
        }

        [Fact]
        public async Task A_plan_records_the_bundles_ca_certificates_and_jre_and_refuses_a_bundle_whose_extras_changed()
        {
            using var withExtras = new TestBundle(caCertificate: true, jreMarker: "plan jre");
            var options = new LivePatchOptions { Bundle = withExtras.Bundle, Rollout = new RolloutOptions { BatchSize = 2 } };
            var saved = PlanReader.Parse(PlanJson.Write(PlanFacts.Save(LivePatchService.Plan(_vms, options), _ => _server.Endpoint.AbsoluteUri, DateTimeOffset.UtcNow, "op@ws")), "plan.json");
            Assert.Equal(new[] { $"{withExtras.Bundle.Extras.CaCertificates[0].Md5}  ca-certificates/svp-test-ca.crt", $"{withExtras.Bundle.Extras.JreMd5}  jre.tar.gz" }, saved.Bundle.ExtraFiles);
            Assert.NotNull(await Tomorrow(saved));

            File.WriteAllText(Path.Combine(withExtras.Folder, "ca-certificates", "svp-test-ca.crt"), JavaTrustFiles.CaPem("Swapped CA"));
            var changed = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(saved));
            Assert.Equal("PlanBundleChanged", changed.ErrorId);
            Assert.Contains("CA certificates or JRE [", changed.Message);
            Assert.DoesNotContain("cloud-scripts.tgz MD5", changed.Message);
        }

        [Fact]
        public async Task A_ca_certificate_added_to_the_bundle_after_the_plan_refuses_it()
        {
            var saved = PlanToday();
            Assert.Empty(saved.Bundle.ExtraFiles);
            Directory.CreateDirectory(Path.Combine(_tb.Folder, "ca-certificates"));
            File.WriteAllText(Path.Combine(_tb.Folder, "ca-certificates", "late.crt"), JavaTrustFiles.CaPem("Late CA"));
            var changed = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(saved));
            Assert.Contains("CA certificates or JRE [] -> [", changed.Message);
            Assert.Contains("ca-certificates/late.crt", changed.Message);
        }

        [Fact]
        public async Task A_plan_for_another_management_server_is_refused()
        {
            var other = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(PlanToday(endpoint: "https://ms-other.example:8443/client/api")));
            Assert.Equal("PlanForOtherServer", other.ErrorId);
            Assert.Contains("at https://ms-other.example:8443/client/api, but the connection 'lab' is to " + _server.Endpoint.AbsoluteUri, other.Message);

            var none = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(PlanToday(), new Untouchable("prod")));
            Assert.Equal("PlanForOtherServer", none.ErrorId);
            Assert.Contains("no connection has that name", none.Message);
        }

        [Fact]
        public async Task A_decision_edited_by_hand_is_refused_before_anything_is_read()
        {
            var saved = PlanToday();
            // An edit that still looks well-formed (batches in order, none over the size): the second VM moved to batch 2.
            var edited = saved with { Vms = saved.Vms.Select((v, i) => i == 1 ? v with { Batch = 2 } : v).ToList() };
            var e = await Assert.ThrowsAsync<PlanException>(() => Tomorrow(edited, new Untouchable("lab")));
            Assert.Equal("InvalidPlan", e.ErrorId);
            Assert.Contains($"{_vms[1].Name} is planned as Patch in batch 2, but its own facts and options give Patch in batch 1: the file was edited", e.Message);
        }

        [Fact]
        public async Task At_preflight_a_vm_whose_own_signature_is_not_the_planned_one_is_skipped_and_every_result_and_record_names_the_plan()
        {
            using var folder = new TempHistoryFolder();
            var vms = new[] { ScriptedSsh.Router("r-1-VM"), ScriptedSsh.Router("r-2-VM") };
            var plan = LivePatchService.Plan(vms, new LivePatchOptions { Bundle = _tb.Bundle, Ssh = new Engine.Ssh.SshRouteOptions { IdentityFile = "/dev/null", KnownHostsFile = "/dev/null" } });
            plan = plan with
            {
                Options = plan.Options with
                {
                    PlanHash = new string('a', 64),
                    // The VMs answer signature "old": r-2-VM was planned on another one, so someone changed it meanwhile.
                    PlannedSignatures = new Dictionary<string, string> { ["ms1/r-1-VM"] = "old", ["ms1/r-2-VM"] = "0123456789abcdef0123456789abcdef" },
                },
            };
            var commands = new ConcurrentQueue<string>();
            var ssh = new ScriptedSsh { Answer = (vm, c) => { commands.Enqueue(vm); return new Engine.Ssh.SshCommandResult(0, "OUTCOME-BEGIN\nstatus=Patched\nfrom_sig=old\nto_sig=new\nOUTCOME-END\n", ""); } };

            var results = await new LivePatchService(_ => ssh, new HistoryRecorder(new HistoryStore(folder.StorePath), null)).RunAsync(plan, plan.ToPatch, null, CancellationToken.None);

            var drifted = results.Single(r => r.VmName == "r-2-VM");
            Assert.Equal((LivePatchStatus.Skipped, "Drifted"), (drifted.Status, drifted.FailedStep));
            Assert.Contains("scripts signature 0123456789abcdef0123456789abcdef -> old", drifted.Error);
            Assert.Equal(LivePatchStatus.Patched, results.Single(r => r.VmName == "r-1-VM").Status);
            Assert.DoesNotContain("r-2-VM", commands); // opened for its preflight, never sent the patch
            Assert.All(results, r => Assert.Equal(new string('a', 64), r.PlanHash));
            var records = new HistoryStore(folder.StorePath).Read().ToList();
            Assert.Equal(2, records.Count);
            Assert.All(records, r => Assert.Equal(new string('a', 64), r.PlanHash));
        }

        /// <summary>A connection that fails the test if anything is asked of it.</summary>
        private sealed class Untouchable : ICloudStackApi
        {
            public Untouchable(string name) { Name = name; }
            public string Name { get; }
            public Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new InvalidOperationException("contacted: " + command);
            public Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new InvalidOperationException("contacted: " + command);
            public Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new InvalidOperationException("contacted: " + command);
        }
    }
}
