using System;
using System.Linq;
using System.Text.RegularExpressions;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.OnVm;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>The shell side of the agent protocol (the scripts' own text) checked against its C# definition.</summary>
    public sealed class AgentProtocolTests
    {
        private static string Commands => string.Join("\n", RemoteCommands.Preflight(), RemoteCommands.UploadStartAndWait("run-1"), RemoteCommands.PreChecks(new[] { "true" }));

        [Fact]
        public void Every_exit_code_and_marker_the_controller_decodes_is_one_the_commands_emit()
        {
            foreach (RemoteExit exit in Enum.GetValues(typeof(RemoteExit)))
                Assert.Matches(new Regex(@"\bexit " + (int)exit + @"\b"), Commands);
            foreach (var marker in new[]
            {
                AgentProtocol.Uploaded, AgentProtocol.Verified, AgentProtocol.VerifyFailed, AgentProtocol.UploadBroken, AgentProtocol.Locked,
                AgentProtocol.StaleLock, AgentProtocol.Started, AgentProtocol.AgentGone, AgentProtocol.NotStarted, AgentProtocol.OutcomeBegin,
                AgentProtocol.OutcomeEnd, AgentProtocol.PreCheckFailed, AgentProtocol.PreChecksOk,
            })
                Assert.Matches(new Regex(@"echo ['""]?" + Regex.Escape(marker) + @"\b"), Commands);
            Assert.Contains($"echo \"{AgentProtocol.Journal} $x\"", Commands);
        }

        [Fact]
        public void The_agent_scripts_write_every_outcome_key_and_only_statuses_the_controller_knows()
        {
            string agent = AgentScript.Text;
            foreach (var key in new[] { AgentProtocol.OutcomeKey.Run, AgentProtocol.OutcomeKey.Status, AgentProtocol.OutcomeKey.Step, AgentProtocol.OutcomeKey.Error,
                                        AgentProtocol.OutcomeKey.FromSignature, AgentProtocol.OutcomeKey.ToSignature, AgentProtocol.OutcomeKey.DownBefore })
                Assert.Contains($"{key}=%s", agent);
            // finish <Status> ... in agent.sh and rollback.sh, and the recovery's status=<Status>.
            var written = Regex.Matches(agent, @"\bfinish ([A-Z][A-Za-z]+) ").Select(m => m.Groups[1].Value)
                .Concat(Regex.Matches(agent, @"\bstatus=([A-Z][A-Za-z]+)").Select(m => m.Groups[1].Value)).Distinct().ToList();
            Assert.NotEmpty(written);
            Assert.All(written, s => Assert.True(AgentProtocol.ParseStatus(s) != null, $"the agent writes status '{s}', which the controller does not know"));
            Assert.All(AgentProtocol.AgentStatuses, s => Assert.Contains(s.ToString(), written));
        }

        [Theory]
        [InlineData("OUTCOME-BEGIN\nstatus=0\nstep=x\nOUTCOME-END\n", LivePatchStatus.Failed)]
        [InlineData("OUTCOME-BEGIN\nstatus=Skipped\nOUTCOME-END\n", LivePatchStatus.Failed)]
        [InlineData("J 1 restart x\nOUTCOME-BEGIN\nstatus=RolledBack\nstep=restart\nerror=haproxy failed\nOUTCOME-END\n", LivePatchStatus.RolledBack)]
        [InlineData("OUTCOME-BEGIN\nstatus=Patched\nfrom_sig=a\nto_sig=b\nOUTCOME-END\n", LivePatchStatus.Patched)]
        public void An_outcome_is_read_by_status_name_only(string stdout, LivePatchStatus expected)
        {
            var outcome = AgentOutcome.Parse(stdout);
            Assert.Equal(expected, outcome.Status);
            if (expected == LivePatchStatus.Failed) Assert.NotNull(outcome.Error);
            if (expected == LivePatchStatus.RolledBack) Assert.Equal(("restart", "haproxy failed"), (outcome.Step, outcome.Error));
        }

        [Fact]
        public void A_marker_is_a_whole_word_and_its_detail_is_what_follows()
        {
            Assert.Equal("run=7 pid=9", AgentProtocol.Detail("LOCKED run=7 pid=9", AgentProtocol.Locked));
            Assert.Equal("", AgentProtocol.Detail("VERIFIED", AgentProtocol.Verified));
            Assert.Null(AgentProtocol.Detail("LOCKEDX", AgentProtocol.Locked));
            Assert.Equal("2", AgentProtocol.FirstDetail("x\nPRECHECK-FAILED 2\ntail", AgentProtocol.PreCheckFailed));
        }
    }
}
