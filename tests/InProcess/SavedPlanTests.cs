using System;
using System.IO;
using System.Linq;
using SysVmPatch.Engine.LivePatch.Plans;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>
    /// New-LivePatchPlan and Invoke-LivePatch -PlanPath/-Plan in a hosted runspace against the fake CloudStack (issue
    /// 14.1): binding, one confirmation for the whole plan, and refusals that change nothing.
    /// </summary>
    public sealed class SavedPlanTests : IClassFixture<FakeCloud>, IDisposable
    {
        private readonly FakeCloud _cloud;
        private readonly TinyBundle _bundle = new TinyBundle();
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "svp-plans-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public SavedPlanTests(FakeCloud cloud)
        {
            _cloud = cloud;
            Directory.CreateDirectory(_folder);
        }

        public void Dispose()
        {
            _bundle.Dispose();
            Directory.Delete(_folder, true);
        }

        private string PlanFile => Path.Combine(_folder, "plan.json");

        private const string TwoRouters = "$vms = @(Get-SystemVm -Type Router -Server fake | Where-Object { -not $_.IsRedundant -and $_.State -eq 'Running' } | Select-Object -First 2);";

        private string MakePlan(ModuleSession s) =>
            _cloud.Connect() + TwoRouters + $"$plan = $vms | New-LivePatchPlan -BundlePath '{_bundle.Folder}' -TargetVersion 4.19.1 -BatchSize 1 -Path '{PlanFile}';";

        [Fact]
        public void New_LivePatchPlan_binds_piped_vms_writes_the_file_and_returns_the_typed_plan()
        {
            using var s = new ModuleSession();
            var output = s.Ok(MakePlan(s) + "$plan");
            var plan = Assert.IsType<SavedLivePatchPlan>(Assert.Single(output).BaseObject);
            Assert.Equal(new[] { 1, 2 }, plan.Vms.Select(v => v.Batch));
            Assert.Equal("fake", Assert.Single(plan.Servers).Name);
            Assert.Equal(_cloud.Server.Endpoint.AbsoluteUri, plan.Servers[0].Endpoint);
            Assert.Equal(plan.Hash, Engine.LivePatch.Plans.PlanFile.Read(PlanFile).Hash);
            Assert.DoesNotContain(_cloud.Server.SecretKey, File.ReadAllText(PlanFile));
            Assert.DoesNotContain(_cloud.Server.ApiKey, File.ReadAllText(PlanFile));
        }

        [Fact]
        public void New_LivePatchPlan_WhatIf_returns_the_plan_but_writes_no_file()
        {
            using var s = new ModuleSession();
            var output = s.Ok(MakePlan(s).Replace("-Path", "-WhatIf -Path") + "$plan");
            Assert.IsType<SavedLivePatchPlan>(Assert.Single(output).BaseObject);
            Assert.False(File.Exists(PlanFile));
        }

        [Fact]
        public void Applying_a_plan_asks_once_for_the_whole_plan_and_No_changes_nothing()
        {
            using var s = new ModuleSession();
            s.Ok(MakePlan(s));
            s.Host.Answer = "No";
            var output = s.Ok($"Invoke-LivePatch -PlanPath '{PlanFile}' -HistoryPath $HistoryPath -ConnectTimeoutSec 1");
            var prompt = Assert.Single(s.Host.Prompts);
            Assert.Contains("Apply plan", prompt);
            Assert.Contains("2 VMs to patch", prompt);
            Assert.Contains("batch 2: ", prompt);
            Assert.Empty(output);
            Assert.False(File.Exists(s.HistoryPath), "a declined plan wrote history");
        }

        [Fact]
        public void An_approved_plan_runs_and_every_result_and_history_record_carries_its_hash()
        {
            using var s = new ModuleSession();
            s.Ok(MakePlan(s));
            // No lab behind the fake server: each VM fails to connect, which is still a result of this plan's run.
            var output = s.Run($"Invoke-LivePatch -Plan $plan -HistoryPath $HistoryPath -ConnectTimeoutSec 1 -Confirm:$false -ErrorAction SilentlyContinue").Output;
            string hash = ((SavedLivePatchPlan)s.Ok("$plan")[0].BaseObject).Hash;
            Assert.Equal(2, output.Count);
            Assert.All(output, o => Assert.Equal(hash, o.Properties["PlanHash"].Value));
            var history = s.Ok("Get-PatchHistory -Path $HistoryPath").ToList();
            Assert.Equal(2, history.Count);
            Assert.All(history, r => Assert.Equal(hash, r.Properties["PlanHash"].Value));
        }

        [Fact]
        public void Piped_vms_or_an_option_the_plan_fixed_are_refused_before_anything_runs()
        {
            using var s = new ModuleSession();
            s.Ok(MakePlan(s));
            var piped = s.Terminating($"$vms | Invoke-LivePatch -PlanPath '{PlanFile}' -Confirm:$false -HistoryPath $HistoryPath");
            Assert.Equal("PlanOptionConflict,SysVmPatch.Cmdlets.Commands.InvokeLivePatchCommand", piped.FullyQualifiedErrorId);
            Assert.Contains("names its own VMs", piped.Exception.Message);
            var batch = s.Terminating($"Invoke-LivePatch -PlanPath '{PlanFile}' -BatchSize 5 -Confirm:$false -HistoryPath $HistoryPath");
            Assert.Contains("-BatchSize is fixed by the plan", batch.Exception.Message);
            Assert.False(File.Exists(s.HistoryPath));
            var both = s.Terminating($"Invoke-LivePatch -PlanPath '{PlanFile}' -BundlePath '{_bundle.Folder}' -WhatIf");
            Assert.StartsWith("AmbiguousParameterSet", both.FullyQualifiedErrorId);
        }

        [Fact]
        public void A_truncated_plan_file_is_a_terminating_InvalidPlan_error_naming_the_file()
        {
            using var s = new ModuleSession();
            s.Ok(MakePlan(s));
            string text = File.ReadAllText(PlanFile);
            File.WriteAllText(PlanFile, text.Substring(0, text.Length - 40));
            var e = s.Terminating($"Invoke-LivePatch -PlanPath '{PlanFile}' -Confirm:$false -HistoryPath $HistoryPath");
            Assert.Equal("InvalidPlan,SysVmPatch.Cmdlets.Commands.InvokeLivePatchCommand", e.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.Contains(PlanFile, e.Exception.Message);
            Assert.Equal(PlanFile, e.TargetObject);
            Assert.Empty(s.Host.Prompts);
        }
    }
}
