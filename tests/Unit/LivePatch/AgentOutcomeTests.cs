using System;
using System.Collections.Generic;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.OnVm;

namespace SysVmPatch.Tests.LivePatch
{
    public sealed class AgentOutcomeTests
    {
        // The outcome as the controller's wait relays it, read the way AgentRun reads it.
        private static AgentOutcome Read(string outcome, List<string>? warnings = null)
        {
            var parsed = AgentOutcome.Parse("J 1 validate ok\nOUTCOME-BEGIN\n" + outcome + "OUTCOME-END\n");
            if (parsed.DownBeforeWarning is string w) warnings?.Add(w);
            return parsed;
        }

        [Theory]
        [InlineData("0")]
        [InlineData("3")]
        [InlineData("Patched,Failed")]
        [InlineData("patched")]
        [InlineData(" 0 ")]
        public void A_status_that_is_not_a_name_the_agent_writes_is_a_failure_not_Patched(string status)
        {
            var r = Read($"run=x\nstatus={status}\nstep=validate\nerror=\n");
            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Contains("unknown status", r.Error);
            Assert.Null(AgentProtocol.ParseStatus(status));
        }

        [Fact]
        public void Every_status_name_parses_and_a_missing_status_is_no_outcome()
        {
            foreach (var s in AgentProtocol.AgentStatuses)
                Assert.Equal(s, AgentProtocol.ParseStatus(s.ToString()));
            Assert.Equal(LivePatchStatus.Patched, Read("status=Patched\nstep=validate\n").Status);
            var none = Read("run=x\n");
            Assert.Equal(LivePatchStatus.Failed, none.Status);
            Assert.Equal("no outcome", none.Error);
        }

        [Fact]
        public void Services_down_before_the_patch_become_a_warning_on_a_patched_result()
        {
            var warnings = new List<string>();
            var r = Read("status=Patched\nstep=validate\ndown_before=dnsmasq keepalived\n", warnings);
            Assert.Equal(LivePatchStatus.Patched, r.Status);
            var w = Assert.Single(warnings);
            Assert.Contains("dnsmasq, keepalived were not running before the patch", w);
            var clean = new List<string>();
            Read("status=Patched\nstep=validate\ndown_before=\n", clean);
            Assert.Empty(clean);
        }

        [Fact]
        public void The_agent_limits_bound_the_controller_wait_by_the_timeout_and_the_rollback()
        {
            Assert.Equal(TimeSpan.FromSeconds(15), AgentLimits.Rollback(TimeSpan.FromSeconds(10)));
            Assert.Equal(TimeSpan.FromSeconds(300), AgentLimits.Rollback(TimeSpan.FromHours(1)));
            Assert.Equal(TimeSpan.FromSeconds(30 + 15 + 15), AgentLimits.ControllerWait(TimeSpan.FromSeconds(30)));
            Assert.Equal("TIMEOUT_SEC=30\nROLLBACK_TIMEOUT_SEC=15\n", AgentLimits.Params(TimeSpan.FromSeconds(30)));
        }
    }
}
