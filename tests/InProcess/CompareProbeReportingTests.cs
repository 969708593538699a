using System;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>Compare-SysVmVersion -Probe reports as the rollout cmdlets do: a progress bar and -Verbose lines per VM.</summary>
    public sealed class CompareProbeReportingTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public CompareProbeReportingTests(FakeCloud cloud) { _cloud = cloud; }

        [Fact]
        public void Probe_writes_progress_and_a_verbose_line_per_VM_from_the_pipeline_thread()
        {
            using var s = new ModuleSession();
            // Port 1 on loopback refuses at once: every probe fails fast, with no lab needed, and still reports.
            var (output, ps) = s.Run(_cloud.Connect() +
                "Get-SystemVm -Type SSVM, CPVM | Compare-SysVmVersion -TargetVersion 4.19.1 -Probe -JumpHost 127.0.0.1:1 -ConnectTimeoutSec 2 -Verbose -WarningAction SilentlyContinue");
            using (ps)
            {
                Assert.Empty(ps.Streams.Error);
                var names = output.Select(o => o.Properties["Name"].Value.ToString()!).ToList();
                Assert.Equal(4, names.Count);
                var verbose = ps.Streams.Verbose.Select(v => v.Message).ToList();
                foreach (var name in names)
                {
                    Assert.Contains(name + ": probing over SSH", verbose);
                    Assert.Contains(verbose, v => v.StartsWith(name + ": probe failed", StringComparison.Ordinal));
                }
                var progress = ps.Streams.Progress.Where(p => p.Activity == "Compare-SysVmVersion -Probe").ToList();
                Assert.Equal(names.Count + 1, progress.Count);
                Assert.Equal(100, progress[progress.Count - 2].PercentComplete);
                Assert.Equal(ProgressRecordType.Completed, progress.Last().RecordType);
                Assert.Single(progress.Select(p => p.ActivityId).Distinct());
            }
        }

        [Fact]
        public void Without_Probe_no_progress_bar_is_shown()
        {
            using var s = new ModuleSession();
            var (_, ps) = s.Run(_cloud.Connect() + "Get-SystemVm | Compare-SysVmVersion -TargetVersion 4.19.1");
            using (ps) Assert.DoesNotContain(ps.Streams.Progress, p => p.Activity == "Compare-SysVmVersion -Probe");
        }
    }
}
