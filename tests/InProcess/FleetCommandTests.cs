using System.Linq;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>
    /// Invoke-SysVmCommand and Enter-SysVm in a hosted runspace against the fake CloudStack: what binds, what
    /// -WhatIf and -Confirm show and ask (ConfirmImpact Medium), and the refusals that come before any connection.
    /// No SSH here: the lab's Pester tests run the commands for real.
    /// </summary>
    public sealed class FleetCommandTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public FleetCommandTests(FakeCloud cloud) { _cloud = cloud; }

        private const string ThreeVms = "$vms = @(Get-SystemVm -Server fake | Select-Object -First 3);";

        [Fact]
        public void WhatIf_names_each_VM_bound_by_value_or_through_Vm_and_the_command_and_runs_nothing()
        {
            using var s = new ModuleSession();
            var byValue = s.Ok(_cloud.Connect() + ThreeVms + "$vms | Invoke-SysVmCommand 'df -h /var' -WhatIf -HistoryPath $HistoryPath");
            var byProperty = s.Ok(ThreeVms + "$vms | Compare-SysVmVersion -TargetVersion 4.19.1 | Invoke-SysVmCommand 'df -h /var' -WhatIf -HistoryPath $HistoryPath");
            var names = s.Ok(ThreeVms + "$vms.Name").Select(o => o.ToString()).ToList();

            Assert.Empty(byValue);
            Assert.Empty(byProperty);
            var whatIf = s.Host.HostLines.Where(l => l.StartsWith("What if:")).ToList();
            Assert.Equal(6, whatIf.Count);
            for (int i = 0; i < 3; i++)
            {
                Assert.Contains("run 'df -h /var'", whatIf[i]);
                Assert.Contains("\"" + names[i] + " (", whatIf[i]);
                Assert.Contains("\"" + names[i] + " (", whatIf[i + 3]);
            }
            Assert.False(System.IO.File.Exists(s.HistoryPath), "-WhatIf wrote history");
        }

        [Fact]
        public void The_default_ConfirmPreference_does_not_ask_but_Medium_does_and_No_runs_nothing()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            // ConfirmImpact Medium is below the default $ConfirmPreference (High): no prompt. Nothing is reachable here,
            // so only the absence of prompts is looked at; -ConnectTimeoutSec keeps the attempt short.
            s.Run(_cloud.Connect() + ThreeVms + "$vms | Select-Object -First 1 | Invoke-SysVmCommand 'true' -ConnectTimeoutSec 1 -HistoryPath $HistoryPath -ErrorAction SilentlyContinue").Shell.Dispose();
            Assert.Empty(s.Host.Prompts);

            var output = s.Ok("$ConfirmPreference = 'Medium';" + ThreeVms + "$vms | Invoke-SysVmCommand 'systemctl restart cloud' -HistoryPath $HistoryPath");
            Assert.Equal(3, s.Host.Prompts.Count);
            Assert.All(s.Host.Prompts, p => Assert.Contains("run 'systemctl restart cloud'", p));
            Assert.Empty(output);
        }

        [Fact]
        public void A_hostile_command_is_shown_escaped_in_the_prompt()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            s.Ok(_cloud.Connect() + ThreeVms + "$vms | Select-Object -First 1 | Invoke-SysVmCommand \"echo `e]0;title`a`e[2J\" -Confirm -HistoryPath $HistoryPath");
            var prompt = Assert.Single(s.Host.Prompts);
            Assert.DoesNotContain('\u001b', prompt);
            Assert.DoesNotContain('\u0007', prompt);
            Assert.Contains("\\x1b]0;title\\x07\\x1b[2J", prompt);
        }

        [Fact]
        public void A_command_with_a_NUL_is_refused_before_any_VM()
        {
            using var s = new ModuleSession();
            var error = s.Terminating(_cloud.Connect() + ThreeVms + "$vms | Invoke-SysVmCommand \"echo a`0b\" -Confirm:$false -HistoryPath $HistoryPath");
            Assert.StartsWith("InvalidCommand,", error.FullyQualifiedErrorId);
            Assert.Contains("NUL", error.ToString());
            Assert.False(System.IO.File.Exists(s.HistoryPath));
        }

        [Fact]
        public void Enter_SysVm_binds_a_name_by_position_and_refuses_one_the_cloud_does_not_know()
        {
            using var s = new ModuleSession();
            var error = s.Terminating(_cloud.Connect() + "Enter-SysVm 'r-4040-VM' -HistoryPath $HistoryPath");
            Assert.StartsWith("VmNotFound,", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Contains("r-4040-VM", error.ToString());
        }

        [Fact]
        public void Enter_SysVm_refuses_several_piped_VMs_and_a_wildcard_name_matches_nothing()
        {
            using var s = new ModuleSession();
            var several = s.Terminating(_cloud.Connect() + ThreeVms + "$vms | Enter-SysVm -HistoryPath $HistoryPath");
            Assert.StartsWith("OneVmExpected,", several.FullyQualifiedErrorId);
            // One shell on one VM: a pattern is taken as a name, not expanded to many VMs.
            var pattern = s.Terminating("Enter-SysVm 'r-*' -HistoryPath $HistoryPath");
            Assert.StartsWith("VmNotFound,", pattern.FullyQualifiedErrorId);
        }
    }
}
