using System.Linq;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>
    /// Where nobody can answer a prompt (a runspace whose host has no UI), a state-changing cmdlet that would ask fails
    /// at once with ConfirmationNotPossible naming -Confirm:$false, and the fake CloudStack received nothing; with
    /// -Confirm:$false, $ConfirmPreference None or -WhatIf it runs as anywhere else.
    /// </summary>
    public sealed class UnattendedTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public UnattendedTests(FakeCloud cloud) { _cloud = cloud; }

        private const string TwoRouters = FakeCloud.TwoRouters;

        private int Reboots() => _cloud.Reboots();

        [Fact]
        public void Restart_SysVm_that_would_ask_fails_at_once_naming_the_switch_and_reboots_nothing()
        {
            using var s = new ModuleSession(withUserInterface: false);
            s.Ok(_cloud.Connect() + TwoRouters);
            int before = Reboots();
            var error = s.Terminating("$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.Equal("ConfirmationNotPossible,SysVmPatch.Cmdlets.Commands.RestartSysVmCommand", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
            Assert.Contains("-Confirm:$false", error.Exception.Message);
            Assert.Contains("no user interface", error.Exception.Message);
            Assert.Contains("-Confirm:$false", error.ErrorDetails.RecommendedAction);
            Assert.Equal(before, Reboots());
            Assert.False(System.IO.File.Exists(s.HistoryPath), "a refused run wrote history");
        }

        [Fact]
        public void An_application_host_without_a_UI_is_refused_the_same_way()
        {
            using var s = new ModuleSession(withUserInterface: false, hostWithoutUi: new HostWithoutUi());
            s.Ok(_cloud.Connect() + TwoRouters);
            int before = Reboots();
            var error = s.Terminating("$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.StartsWith("ConfirmationNotPossible,", error.FullyQualifiedErrorId);
            Assert.Equal(before, Reboots());
        }

        /// <summary>A host as an application writes one when it has no console: everything but a UI.</summary>
        private sealed class HostWithoutUi : System.Management.Automation.Host.PSHost
        {
            public override string Name => "AutomationService";
            public override System.Version Version => new System.Version(1, 0);
            public override System.Guid InstanceId { get; } = System.Guid.NewGuid();
            public override System.Management.Automation.Host.PSHostUserInterface? UI => null;
            public override System.Globalization.CultureInfo CurrentCulture => System.Globalization.CultureInfo.InvariantCulture;
            public override System.Globalization.CultureInfo CurrentUICulture => System.Globalization.CultureInfo.InvariantCulture;
            public override void SetShouldExit(int exitCode) { }
            public override void EnterNestedPrompt() => throw new System.NotSupportedException();
            public override void ExitNestedPrompt() => throw new System.NotSupportedException();
            public override void NotifyBeginApplication() { }
            public override void NotifyEndApplication() { }
        }

        [Fact]
        public void Invoke_LivePatch_that_would_ask_fails_before_reading_the_bundle()
        {
            using var s = new ModuleSession(withUserInterface: false);
            // A bundle folder that does not exist: had the cmdlet gone on, it would have ended with BundleUnavailable.
            var error = s.Terminating(_cloud.Connect() + TwoRouters + "$vms | Invoke-LivePatch -BundlePath /nonexistent/bundle -TargetVersion 4.19.1 -HistoryPath $HistoryPath");
            Assert.StartsWith("ConfirmationNotPossible,", error.FullyQualifiedErrorId);
            Assert.Contains("Invoke-LivePatch", error.Exception.Message);
            Assert.Contains("-Confirm:$false", error.Exception.Message);
        }

        [Fact]
        public void An_explicit_Confirm_fails_even_with_ConfirmPreference_None()
        {
            using var s = new ModuleSession(withUserInterface: false);
            s.Ok(_cloud.Connect() + TwoRouters);
            int before = Reboots();
            var error = s.Terminating("$ConfirmPreference = 'None'; $vms | Restart-SysVm -Mode Reboot -Confirm -HistoryPath $HistoryPath");
            Assert.StartsWith("ConfirmationNotPossible,", error.FullyQualifiedErrorId);
            Assert.Equal(before, Reboots());
        }

        [Fact]
        public void Confirm_false_runs_without_a_user_interface()
        {
            using var s = new ModuleSession(withUserInterface: false);
            s.Ok(_cloud.Connect() + TwoRouters);
            int before = Reboots();
            var output = s.Ok("$vms | Restart-SysVm -Mode Reboot -Confirm:$false -HistoryPath $HistoryPath");
            Assert.Equal(2, output.Count);
            Assert.All(output, o => Assert.Equal("Restarted", o.Properties["Status"].Value.ToString()));
            Assert.Equal(before + 2, Reboots());
        }

        [Fact]
        public void ConfirmPreference_None_runs_without_a_user_interface()
        {
            using var s = new ModuleSession(withUserInterface: false);
            var output = s.Ok(_cloud.Connect() + "$ConfirmPreference = 'None';" + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.Equal(2, output.Count);
        }

        [Fact]
        public void WhatIf_never_asks_so_it_runs_without_a_user_interface()
        {
            using var s = new ModuleSession(withUserInterface: false);
            s.Ok(_cloud.Connect() + TwoRouters);
            int before = Reboots();
            var output = s.Ok("$vms | Restart-SysVm -Mode Reboot -WhatIf -Confirm -HistoryPath $HistoryPath");
            Assert.Empty(output);
            Assert.Equal(before, Reboots());
        }

        [Fact]
        public void Cmdlets_that_change_nothing_run_without_a_user_interface()
        {
            using var s = new ModuleSession(withUserInterface: false);
            var output = s.Ok(_cloud.Connect() + "Get-SystemVm -Server fake");
            Assert.NotEmpty(output);
        }

        [Fact]
        public void A_host_with_a_user_interface_still_asks()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.Equal(2, s.Host.Prompts.Count);
        }

        [Theory]
        [InlineData("pwsh -NonInteractive -Command Get-Date", true)]
        [InlineData("pwsh -noni -c Get-Date", true)]
        [InlineData("pwsh --NonInteractive -File x.ps1", true)]
        [InlineData("pwsh -NoProfile -ExecutionPolicy Bypass -NONINTERACTIVE -File x.ps1", true)]
        [InlineData("powershell.exe /NonInteractive /Command Get-Date", true)]
        [InlineData("/usr/share/dotnet/tools/pwsh.dll -NoLogo -NonInt -File x.ps1", true)]
        [InlineData("pwsh -NoProfile -Command Get-Date", false)]
        [InlineData("pwsh -Non -Command Get-Date", false)] // too short: pwsh itself refuses "-Non" as ambiguous
        [InlineData("pwsh -File x.ps1 -NonInteractive", false)] // the script's own argument
        [InlineData("pwsh -Command Restart-SysVm -NonInteractive", false)] // part of the command
        [InlineData("pwsh /tmp/noninteractive", false)]
        [InlineData("pwsh", false)]
        public void Reads_NonInteractive_from_pwsh_arguments_only(string commandLine, bool expected) =>
            Assert.Equal(expected, Unattended.StartedNonInteractive(commandLine.Split(' ')));
    }
}
