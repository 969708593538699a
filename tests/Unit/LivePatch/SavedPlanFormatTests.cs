using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.Plans;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>The plan file (issue 14.1): what it holds, its hash, and every way a hostile or damaged file is refused by name.</summary>
    public sealed class SavedPlanFormatTests : IDisposable
    {
        private readonly TestBundle _tb = new TestBundle();
        public void Dispose() => _tb.Dispose();

        private static SystemVm Router(string name, string? sig = "5c1f0a2b5c1f0a2b5c1f0a2b5c1f0a2b", string version = "4.18.0.0", string? redundant = null) => new()
        {
            Id = "id-" + name, Name = name, Type = SystemVmType.Router, TemplateVersion = version, ScriptsSignature = sig, State = "Running",
            HostId = "h1", HostName = "kvm-01", ZoneName = "z1", Server = "ms1", IsRedundant = redundant != null, RedundantState = redundant,
            NetworkId = redundant != null ? "net-pair" : "net-" + name,
        };

        private SavedLivePatchPlan Saved(int batchSize = 2, params SystemVm[] extra)
        {
            var vms = new[] { Router("r-1-VM"), Router("r-2-VM"), Router("r-3-VM"), Router("r-4-VM", version: "4.13.1.0"), Router("r-5-VM", sig: _tb.Bundle.Signature) }.Concat(extra).ToList();
            var options = new LivePatchOptions
            {
                Bundle = _tb.Bundle, Rollout = new RolloutOptions { BatchSize = batchSize }, PreChecks = new[] { "systemctl is-active haproxy" },
                Ssh = new Engine.Ssh.SshRouteOptions { IdentityFile = "/home/op/.ssh/secret_ed25519", KnownHostsFile = "/home/op/.ssh/known_hosts" },
            };
            return PlanFacts.Save(LivePatchService.Plan(vms, options), _ => "https://ms1.example:8443/client/api", DateTimeOffset.Parse("2026-12-01T16:00:00Z"), "op@ws");
        }

        // The file's tree with one change applied, written back compactly (a hand edit).
        private static string Edited(SavedLivePatchPlan plan, Action<Dictionary<string, object?>> change)
        {
            var tree = (Dictionary<string, object?>)JsonReader.Parse(PlanJson.Write(plan))!;
            change(tree);
            return JsonWriter.Write(tree);
        }

        private static Dictionary<string, object?> Vm(Dictionary<string, object?> tree, int i) => (Dictionary<string, object?>)((List<object?>)tree["vms"]!)[i]!;

        private static PlanException Refused(string text) => Assert.Throws<PlanException>(() => PlanReader.Parse(text, "plan.json"));

        [Fact]
        public void A_plan_holds_every_vm_with_its_facts_batch_and_decision_the_bundle_md5s_the_server_and_the_options()
        {
            var plan = Saved();
            var read = PlanReader.Parse(PlanJson.Write(plan), "plan.json");

            Assert.Equal(SavedLivePatchPlan.CurrentFormatVersion, read.FormatVersion);
            Assert.Equal(new[] { "r-1-VM", "r-2-VM", "r-3-VM", "r-4-VM", "r-5-VM" }, read.Vms.Select(v => v.Name));
            Assert.Equal(new[] { 1, 1, 2, 0, 0 }, read.Vms.Select(v => v.Batch));
            Assert.Equal(PatchStep.Recreate, read.Vms[3].Why);
            Assert.Equal(LivePatchAction.AlreadyCurrent, read.Vms[4].Action);
            Assert.Equal("kvm-01", read.Vms[0].HostName);
            Assert.Equal("Running", read.Vms[0].State);
            Assert.Equal("5c1f0a2b5c1f0a2b5c1f0a2b5c1f0a2b", read.Vms[0].Signature);
            Assert.Equal(_tb.Bundle.Signature, read.Bundle.ScriptsMd5);
            Assert.Equal(_tb.Bundle.AgentZipMd5, read.Bundle.AgentZipMd5);
            Assert.Equal(_tb.Bundle.Folder, read.Bundle.Path);
            Assert.Equal(new PlanServer("ms1", "https://ms1.example:8443/client/api"), Assert.Single(read.Servers));
            Assert.Equal(2, read.Options.BatchSize);
            Assert.Equal(new[] { "systemctl is-active haproxy" }, read.Options.PreChecks);
            Assert.Equal(plan.Hash, read.Hash);
        }

        [Fact]
        public void The_text_is_the_summary_then_one_line_per_vm_and_is_what_the_engine_renders_for_the_plan()
        {
            var plan = Saved();
            Assert.StartsWith("live-patch 3 routers in 2 batches of up to 2", plan.Summary);
            Assert.Matches(@"^  batch 2: r-3-VM \(Router, z1, host kvm-01, ms1\): live-patch from 4\.18\.0 \(scripts 5c1f0a2b\) to .* in batch 2$", plan.Text[3]);
            Assert.Matches("^  skip: r-4-VM .*Recreate", plan.Text[4]);
            Assert.Matches("^  current: r-5-VM ", plan.Text[5]);
        }

        [Fact]
        public void The_hash_ignores_layout_and_changes_with_any_value()
        {
            var plan = Saved();
            string compact = Edited(plan, _ => { });
            Assert.DoesNotContain("\n", compact);
            Assert.Equal(plan.Hash, PlanReader.Parse(compact, "plan.json").Hash);
            Assert.Matches("^[0-9a-f]{64}$", plan.Hash);
            string edited = Edited(plan, t => Vm(t, 0)["hostName"] = "kvm-02");
            Assert.NotEqual(plan.Hash, PlanReader.Parse(edited, "plan.json").Hash);
        }

        [Fact]
        public void A_plan_holds_no_secret_not_even_the_key_file_path_of_the_machine_that_made_it()
        {
            string text = PlanJson.Write(Saved());
            Assert.DoesNotContain("secret_ed25519", text);
            Assert.DoesNotContain("known_hosts", text);
            Assert.DoesNotMatch("(?i)apikey|secretkey|passphrase", text);
        }

        [Fact]
        public void A_truncated_file_is_refused_as_not_a_plan_naming_the_offset()
        {
            string text = PlanJson.Write(Saved());
            var e = Refused(text.Substring(0, text.Length / 2));
            Assert.Equal("InvalidPlan", e.ErrorId);
            Assert.Matches("plan.json is not a plan: Invalid JSON at offset [0-9]+: .*truncated", e.Message);
            Assert.Contains("not a plan", Refused("").Message);
            Assert.Contains("not an object", Refused("[1,2]").Message);
        }

        [Fact]
        public void An_unknown_format_version_is_refused_naming_both_versions()
        {
            var e = Refused(Edited(Saved(), t => t["formatVersion"] = 2L));
            Assert.Contains("plan format version 2", e.Message);
            Assert.Contains("reads version 1 only", e.Message);
            Assert.Contains("formatVersion is missing", Refused(Edited(Saved(), t => t.Remove("formatVersion"))).Message);
        }

        public static IEnumerable<object[]> Edits() => new List<object[]>
        {
            new object[] { "unknown field", (Action<Dictionary<string, object?>>)(t => Vm(t, 1)["sudo"] = "yes"), "vms[1].sudo is not a field of this plan format" },
            new object[] { "batch as text", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["batch"] = "1"), "vms[0].batch must be a whole number" },
            new object[] { "batches out of order", (Action<Dictionary<string, object?>>)(t => { Vm(t, 1)["batch"] = 2L; Vm(t, 2)["batch"] = 1L; }), "vms[2] (r-3-VM) has batch 1 after a VM of batch 2: batches out of order" },
            new object[] { "a missing batch", (Action<Dictionary<string, object?>>)(t => Vm(t, 2)["batch"] = 3L), "batch 2 is missing" },
            new object[] { "a patched VM without a batch", (Action<Dictionary<string, object?>>)(t => Vm(t, 2)["batch"] = 0L), "vms[2] (r-3-VM) is to be patched but has batch 0" },
            new object[] { "a skipped VM in a batch", (Action<Dictionary<string, object?>>)(t => Vm(t, 3)["batch"] = 2L), "is not patched (Skip) but has batch 2" },
            new object[] { "an over-full batch", (Action<Dictionary<string, object?>>)(t => Vm(t, 2)["batch"] = 1L), "batch 1 holds more than the plan's batch size of 2" },
            new object[] { "a VM twice", (Action<Dictionary<string, object?>>)(t => Vm(t, 1)["id"] = Vm(t, 0)["id"]), "names VM id-r-1-VM a second time" },
            new object[] { "an unknown action", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["action"] = "Reboot"), "vms[0].action is 'Reboot', not one of Patch, AlreadyCurrent, Skip" },
            new object[] { "an action as a number", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["action"] = "0"), "vms[0].action is '0'" },
            new object[] { "a server not in the plan", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["server"] = "ms9"), "vms[0].server names 'ms9', which is not one of the plan's servers" },
            new object[] { "a bad MD5", (Action<Dictionary<string, object?>>)(t => ((Dictionary<string, object?>)t["bundle"]!)["scriptsMd5"] = "abc"), "bundle.scriptsMd5 must be an MD5" },
            new object[] { "a relative bundle path", (Action<Dictionary<string, object?>>)(t => ((Dictionary<string, object?>)t["bundle"]!)["path"] = "vms"), "bundle.path 'vms' is not a full path" },
            new object[] { "a shell word as signature", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["signature"] = "$(reboot)"), "vms[0].signature must be one word" },
            new object[] { "a control character", (Action<Dictionary<string, object?>>)(t => Vm(t, 0)["name"] = "r-1\u001b[2J"), "vms[0].name holds control characters" },
            new object[] { "a batch size out of range", (Action<Dictionary<string, object?>>)(t => ((Dictionary<string, object?>)t["options"]!)["batchSize"] = 0L), "options.batchSize is 0, outside 1..10000" },
            new object[] { "no VMs", (Action<Dictionary<string, object?>>)(t => t["vms"] = new List<object?>()), "vms is empty" },
            new object[] { "an endpoint with a key", (Action<Dictionary<string, object?>>)(t => ((Dictionary<string, object?>)((List<object?>)t["servers"]!)[0]!)["endpoint"] = "https://ms1/client/api?apikey=abc"), "must not carry a user, password or query" },
        };

        [Theory]
        [MemberData(nameof(Edits))]
        public void An_edited_field_is_refused_naming_it(string what, Action<Dictionary<string, object?>> edit, string expected)
        {
            var e = Refused(Edited(Saved(), edit));
            Assert.True(e.Message.Contains(expected), $"{what}: {e.Message}");
            Assert.StartsWith("plan.json", e.Message);
        }

        [Fact]
        public void A_file_that_is_missing_or_larger_than_any_plan_is_refused_unread()
        {
            string dir = Path.Combine(Path.GetTempPath(), "svp-plan-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            try
            {
                Assert.Equal("PlanUnreadable", Assert.Throws<PlanException>(() => PlanFile.Read(Path.Combine(dir, "none.json"))).ErrorId);
                string big = Path.Combine(dir, "big.json");
                using (var f = File.Create(big)) f.SetLength(PlanFile.MaxBytes + 1);
                Assert.Contains("more than any plan", Assert.Throws<PlanException>(() => PlanFile.Read(big)).Message);
                string good = Path.Combine(dir, "plan.json");
                var plan = Saved();
                PlanFile.Write(good, plan);
                PlanFile.Write(good, plan); // replacing an existing plan
                Assert.Equal(plan.Hash, PlanFile.Read(good).Hash);
                Assert.Single(Directory.GetFiles(dir, "plan.json*"));
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
