using System.Collections.Generic;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>The preflight's decision as a value, every branch without a VM.</summary>
    public sealed class PreflightDecisionTests
    {
        private static PreflightReport Report(string release = "4.18.0.0", string? sig = "old", long? freeKb = 10_000_000) => new()
        {
            BootFinished = true, ReleaseLine = release, Release = CloudStackVersion.ParseOrNull(release), Signature = sig, CmdlineType = "router", FreeKb = freeKb,
        };

        [Fact]
        public void Each_refusal_is_a_code_with_its_sentence()
        {
            using var tb = new TestBundle();
            var cases = new (PreflightReport Pre, LivePatchStatus Status, PatchStep? Step)[]
            {
                (Report() with { LockOwner = "run=x pid=1", LockAlive = true }, LivePatchStatus.Failed, PatchStep.Lock),
                (Report() with { BootFinished = false }, LivePatchStatus.Failed, PatchStep.Preflight),
                (Report(release: "4.13.1.0"), LivePatchStatus.Skipped, PatchStep.Recreate),
                (Report(sig: tb.Bundle.Signature), LivePatchStatus.AlreadyCurrent, null),
                (Report() with { CmdlineType = null }, LivePatchStatus.Failed, PatchStep.Preflight),
                (Report(freeKb: 10), LivePatchStatus.Failed, PatchStep.Preflight),
            };
            foreach (var (pre, status, step) in cases)
            {
                var verdict = PreflightDecision.Decide(pre, tb.Bundle, force: false, runId: "r1").Verdict;
                Assert.NotNull(verdict);
                Assert.Equal((status, step), (verdict!.Status, verdict.Step));
            }
            Assert.Null(PreflightDecision.Decide(Report(), tb.Bundle, force: false, runId: "r1").Verdict);
        }

        [Fact]
        public void An_interrupted_run_is_patched_even_at_the_bundle_signature_and_the_previous_run_is_reported()
        {
            using var tb = new TestBundle();
            var pre = Report(release: "4.14.0.0", sig: tb.Bundle.Signature) with
            {
                InterruptedRun = "old1", LastRun = "old1", LastOutcome = new Dictionary<string, string> { ["status"] = "RolledBack", ["step"] = "restart", ["error"] = "e" },
            };
            var d = PreflightDecision.Decide(pre, tb.Bundle, force: false, runId: "r1");
            Assert.Null(d.Verdict);
            Assert.Equal("run old1: RolledBack at restart: e", d.PreviousRun);
            Assert.Equal(2, d.Warnings.Count); // the 4.14 caveat and the interrupted run
            Assert.Equal("4.14.0", d.FromVersion);
        }

        [Fact]
        public void A_bundles_jre_counts_against_an_ssvms_free_disk_and_not_a_routers()
        {
            using var plain = new TestBundle();
            using var withJre = new TestBundle(jreMarker: "disk jre");
            // Room for the plain bundle's payload, unpacked agent and backup, and less than twice the JRE's unpacked size more.
            long jreKb = 2 * withJre.Bundle.Extras.JreUnpackedBytes / 1024;
            var ssvm = Report() with { CmdlineType = "secstorage" };
            long neededKb = 0;
            for (long kb = 64; kb < 10_000_000; kb += 16)
                if (PreflightDecision.Decide(ssvm with { FreeKb = kb }, plain.Bundle, force: false, runId: "r1").Verdict is null) { neededKb = kb; break; }
            Assert.True(neededKb > 0);

            var verdict = PreflightDecision.Decide(ssvm with { FreeKb = neededKb + jreKb / 2 }, withJre.Bundle, force: false, runId: "r1").Verdict;
            Assert.NotNull(verdict);
            Assert.Contains("not enough free disk", verdict!.Error);
            // Plus the archive itself, staged.
            long stagedKb = withJre.Bundle.Extras.StagedBytes / 1024;
            Assert.Null(PreflightDecision.Decide(ssvm with { FreeKb = neededKb + jreKb + stagedKb + 64 }, withJre.Bundle, force: false, runId: "r1").Verdict);
            // A router gets no JRE: what the SSVM was refused with is plenty for it.
            Assert.True(jreKb / 2 > 64, "the test JRE is too small to tell the difference");
            Assert.Null(PreflightDecision.Decide(Report(freeKb: neededKb + 64), withJre.Bundle, force: false, runId: "r1").Verdict);
        }
    }
}
