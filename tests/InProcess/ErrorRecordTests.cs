using System.Linq;
using System.Management.Automation;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>Error records as scripts see them: a stable FullyQualifiedErrorId, a real category, the object concerned.</summary>
    public sealed class ErrorRecordTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public ErrorRecordTests(FakeCloud cloud) { _cloud = cloud; }

        private static ErrorRecord NonTerminating(ModuleSession s, string script)
        {
            var (_, ps) = s.Run(script);
            using (ps) return Assert.Single(ps.Streams.Error);
        }

        [Fact]
        public void An_unknown_connection_name_is_ObjectNotFound_naming_it()
        {
            using var s = new ModuleSession();
            var get = NonTerminating(s, "Get-SysVmCloud -Name nosuch");
            Assert.Equal("ConnectionNotFound,SysVmPatch.Cmdlets.Commands.GetSysVmCloudCommand", get.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, get.CategoryInfo.Category);
            Assert.Equal("nosuch", get.TargetObject);
            var disconnect = NonTerminating(s, "Disconnect-SysVmCloud -Server nosuch");
            Assert.Equal("ConnectionNotFound,SysVmPatch.Cmdlets.Commands.DisconnectSysVmCloudCommand", disconnect.FullyQualifiedErrorId);
            Assert.Equal("nosuch", disconnect.TargetObject);
        }

        [Fact]
        public void Reading_without_a_connection_is_a_terminating_ConnectionError()
        {
            using var s = new ModuleSession();
            var e = s.Terminating("Get-SystemVm");
            Assert.Equal("NotConnected,SysVmPatch.Cmdlets.Commands.GetSystemVmCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);
            // The engine says to connect; the record names the cmdlet that does.
            Assert.EndsWith("Use Connect-SysVmCloud.", e.ToString());
            Assert.Equal("Use Connect-SysVmCloud.", e.ErrorDetails.RecommendedAction);
        }

        [Fact]
        public void An_ssh_option_SysVmPatch_sets_itself_names_the_parameter_that_sets_it()
        {
            using var s = new ModuleSession();
            var e = s.Terminating(_cloud.Connect() + "Get-SystemVm -Server fake -Type Router | Select-Object -First 1 | Restart-SysVm -Mode Services -SshOption @{ ConnectTimeout = '5' } -Confirm:$false -HistoryPath $HistoryPath");
            Assert.StartsWith("InvalidSshOption,", e.FullyQualifiedErrorId);
            Assert.DoesNotContain("-ConnectTimeoutSec", e.Exception.Message); // the engine speaks of its own setting
            Assert.Contains("connect timeout setting", e.Exception.Message);
            Assert.EndsWith("Use -ConnectTimeoutSec.", e.ToString());
        }

        [Fact]
        public void A_VM_that_cannot_be_routed_names_the_jump_host_parameter_in_its_error()
        {
            using var s = new ModuleSession();
            using var bundle = new TinyBundle();
            var (output, ps) = s.Run(_cloud.Connect() + "Get-SystemVm -Server fake -Type Router | Select-Object -First 1 | " +
                $"Invoke-LivePatch -BundlePath '{bundle.Folder}' -TargetVersion 4.19.1 -JumpHost 'root@bastion#x' -Confirm:$false -HistoryPath $HistoryPath -ConnectTimeoutSec 1");
            using (ps)
            {
                var e = Assert.Single(ps.Streams.Error);
                Assert.StartsWith("PatchFailed,", e.FullyQualifiedErrorId);
                Assert.Contains("jump host", e.Exception.Message);
                Assert.DoesNotContain("-JumpHost", e.Exception.Message);
                Assert.EndsWith("Use -JumpHost.", e.ToString());
                Assert.Equal("Connect", Assert.Single(output).Properties["FailedStep"].Value);
            }
        }

        [Fact]
        public void A_wrong_secret_is_an_AuthenticationError_naming_the_connection_and_not_the_secret()
        {
            using var s = new ModuleSession();
            var e = s.Terminating($"Connect-SysVmCloud -AllowUnencryptedAuthentication -Url '{_cloud.Server.Endpoint}' -ApiKey '{_cloud.Server.ApiKey}' -SecretKey (ConvertTo-SecureString 'wrong-secret-xyz' -AsPlainText -Force) -Name bad -RetryCount 0");
            Assert.Equal("CloudStackAuthenticationFailed,SysVmPatch.Cmdlets.Commands.ConnectSysVmCloudCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, e.CategoryInfo.Category);
            Assert.Equal("bad", e.TargetObject);
            Assert.DoesNotContain("wrong-secret-xyz", e.ToString());
        }

        [Fact]
        public void A_target_version_that_is_no_version_is_InvalidArgument_with_the_text_as_target()
        {
            using var s = new ModuleSession();
            var e = s.Terminating(_cloud.Connect() + "Get-SystemVm | Compare-SysVmVersion -TargetVersion banana");
            Assert.Equal("InvalidTargetVersion,SysVmPatch.Cmdlets.Commands.CompareSysVmVersionCommand", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.Equal("banana", e.TargetObject);
        }

        [Fact]
        public void A_failed_restart_job_is_one_non_terminating_error_with_the_result_as_target()
        {
            using var s = new ModuleSession();
            s.Ok(_cloud.Connect() + "$vm = Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -Last 1");
            string name = s.Ok("$vm.Name").Single().ToString();
            _cloud.Server.Faults.FailJob(name, "rebootRouter", "host is in maintenance");
            try
            {
                var (output, ps) = s.Run("$vm | Restart-SysVm -Mode Reboot -Confirm:$false -HistoryPath $HistoryPath -WarningAction SilentlyContinue");
                using (ps)
                {
                    var e = Assert.Single(ps.Streams.Error);
                    Assert.Equal("RestartFailed,SysVmPatch.Cmdlets.Commands.RestartSysVmCommand", e.FullyQualifiedErrorId);
                    Assert.Equal(ErrorCategory.InvalidResult, e.CategoryInfo.Category);
                    var target = Assert.IsType<SysVmPatch.Engine.Restart.RestartResult>(e.TargetObject);
                    Assert.Equal(name, target.VmName);
                    Assert.Same(target, Assert.Single(output).BaseObject); // the same result is also output, for the pipeline
                }
            }
            finally { _cloud.Server.Faults.Clear(); }
        }
    }
}
