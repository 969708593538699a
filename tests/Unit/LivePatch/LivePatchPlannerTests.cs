using System.Collections.Generic;
using System.IO;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Tests.LivePatch
{
    public sealed class LivePatchPlannerTests
    {
        private static SystemVm Router(string name, string version, string? sig = null, string? state = null, string? net = null) => new()
        {
            Id = name, Name = name, Type = SystemVmType.Router, TemplateVersion = version, ScriptsSignature = sig, State = "Running",
            IsRedundant = state != null, RedundantState = state, NetworkId = net ?? name, Server = "ms1",
        };

        [Fact]
        public void The_summary_breaks_the_rollout_out_by_source_version_current_and_recreate()
        {
            using var tb = new TestBundle();
            var vms = new List<SystemVm>();
            for (int i = 0; i < 10; i++) vms.Add(Router($"r-{i}-VM", "4.18.0.0"));
            vms.Add(Router("r-20-VM", "4.17.2.0"));
            vms.Add(Router("r-21-VM", "4.17.2.0"));
            for (int i = 0; i < 3; i++) vms.Add(Router($"r-3{i}-VM", "4.18.0.0", sig: tb.Bundle.Signature));
            vms.Add(Router("r-40-VM", "4.13.0.0"));

            var plan = LivePatchPlanner.Plan(vms, tb.Bundle, new LivePatchOptions { Bundle = tb.Bundle, Rollout = new RolloutOptions { BatchSize = 4 } });

            Assert.Equal($"live-patch 12 routers in 3 batches of up to 4 to 4.19.1 (scripts {tb.Bundle.Signature.Substring(0, 8)}): 10 from 4.18.0, 2 from 4.17.2; 3 already current; 1 needs recreate (4.13.0)", plan.Summary);
            Assert.Equal(LivePatchAction.Skip, plan.Entries.Single(e => e.Vm.Name == "r-40-VM").Action);
            Assert.StartsWith("Recreate", plan.Entries.Single(e => e.Vm.Name == "r-40-VM").Reason);
            Assert.Equal(12, plan.RolloutItems.Count);
            Assert.All(plan.Entries.Where(e => e.Action != LivePatchAction.Patch), e => Assert.Equal(0, e.Batch));
        }

        [Fact]
        public void Force_patches_current_vms_and_a_redundant_pair_goes_backup_first_in_separate_batches()
        {
            using var tb = new TestBundle();
            var vms = new[]
            {
                Router("r-1-VM", "4.18.0.0", sig: tb.Bundle.Signature),
                Router("r-2-VM", "4.18.0.0", state: "PRIMARY", net: "n1"),
                Router("r-3-VM", "4.18.0.0", state: "BACKUP", net: "n1"),
            };
            var plan = LivePatchPlanner.Plan(vms, tb.Bundle, new LivePatchOptions { Bundle = tb.Bundle, Force = true, Rollout = new RolloutOptions { BatchSize = 5 } });
            Assert.All(plan.Entries, e => Assert.Equal(LivePatchAction.Patch, e.Action));
            int Batch(string n) => plan.Entries.Single(e => e.Vm.Name == n).Batch;
            Assert.True(Batch("r-3-VM") < Batch("r-2-VM"));
            Assert.Contains("redundant pair r-3-VM/r-2-VM: BACKUP r-3-VM first", plan.Summary);
        }

        [Fact]
        public void Versions_newer_than_the_bundle_and_stopped_vms_are_skipped_with_the_reason()
        {
            using var tb = new TestBundle(version: "4.18.0.0");
            var plan = LivePatchPlanner.Plan(new[] { Router("r-1-VM", "4.19.0.0"), new SystemVm { Id = "x", Name = "r-2-VM", Type = SystemVmType.Router, TemplateVersion = "4.17.0.0", State = "Stopped" } },
                tb.Bundle, new LivePatchOptions { Bundle = tb.Bundle });
            Assert.StartsWith("Downgrade", plan.Entries[0].Reason);
            Assert.StartsWith("NotRunning", plan.Entries[1].Reason);
            Assert.Empty(plan.RolloutItems);
        }

        [Fact]
        public void Force_allows_a_downgrade_and_still_skips_a_stopped_vm()
        {
            using var tb = new TestBundle(version: "4.18.0.0");
            var plan = LivePatchPlanner.Plan(new[] { Router("r-1-VM", "4.19.0.0"), new SystemVm { Id = "x", Name = "r-2-VM", Type = SystemVmType.Router, TemplateVersion = "4.17.0.0", State = "Stopped" } },
                tb.Bundle, new LivePatchOptions { Bundle = tb.Bundle, Force = true });
            Assert.Equal(LivePatchAction.Patch, plan.Entries[0].Action);
            Assert.StartsWith("NotRunning", plan.Entries[1].Reason);
        }

        [Fact]
        public void A_bundle_missing_a_file_names_it()
        {
            using var tb = new TestBundle();
            File.Delete(Path.Combine(tb.Folder, "agent.zip"));
            var ex = Assert.Throws<FileNotFoundException>(() => PatchBundle.Load(tb.Folder));
            Assert.Contains("agent.zip is missing", ex.Message);
        }

        [Fact]
        public void The_bundle_signature_is_the_md5_of_cloud_scripts_tgz_and_sizes_are_read()
        {
            using var tb = new TestBundle(extraScriptsBytes: 100_000);
            using var md5 = System.Security.Cryptography.MD5.Create();
            string expected = string.Concat(md5.ComputeHash(File.ReadAllBytes(Path.Combine(tb.Folder, "cloud-scripts.tgz"))).Select(b => b.ToString("x2")));
            Assert.Equal(expected, tb.Bundle.Signature);
            Assert.InRange(tb.Bundle.ScriptsUnpackedBytes, 100_000, 120_000);
            Assert.True(tb.Bundle.AgentZipUnpackedBytes > 0);
        }
    }
}
