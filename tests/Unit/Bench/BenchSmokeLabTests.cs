using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using SysVmPatch.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SysVmPatch.Tests.Bench
{
    /// <summary>
    /// The benchmark at smoke size (N=4, H=2, small payload): each method must really patch every VM, as checked
    /// by the benchmark itself from the VMs' files and services. Figures are printed, never asserted.
    /// </summary>
    [Collection(SysVmPatch.Tests.NamespaceLab.LabCollection.Name)]
    public sealed class BenchSmokeLabTests : IClassFixture<BenchSmokeRun>
    {
        private readonly BenchSmokeRun _run;
        private readonly ITestOutputHelper _output;

        public BenchSmokeLabTests(BenchSmokeRun run, ITestOutputHelper output)
        {
            _run = run;
            _output = output;
        }

        [LabFact]
        public Task SshNetEnginePatchesEveryVmWithOneHandshakePerVmPlusOnePerHost() => AssertPatchedAsync("sshnet", handshakes: BenchSmokeRun.Vms + BenchSmokeRun.Hosts);

        [LabFact]
        public Task OpenSshEnginePatchesEveryVm() => AssertPatchedAsync("openssh", handshakes: 2 * BenchSmokeRun.Vms);

        [LabFact]
        public async Task CmdletPathFromAFreshPwshPatchesEveryVmOrSaysWhyItCannotRun()
        {
            var (output, json, _) = await _run.ResultAsync();
            var m = Method(json, output, "pwsh");
            // The module is built by the build's Build task; a test run without it must say so, not pass quietly.
            if (!m.GetProperty("Ran").GetBoolean())
            {
                Assert.Contains("module is not built", m.GetProperty("SkipReason").GetString());
                _output.WriteLine("pwsh: SKIPPED: " + m.GetProperty("SkipReason").GetString());
                return;
            }
            await AssertPatchedAsync("pwsh", handshakes: BenchSmokeRun.Vms + BenchSmokeRun.Hosts);
        }

        [LabFact]
        public Task FloorScriptPatchesEveryVm() => AssertPatchedAsync("floor");

        [AnsibleLabFact]
        public Task AnsiblePlaybookPatchesEveryVm() => AssertPatchedAsync("ansible");

        [LabFact]
        public async Task ListingComparisonsAnswerTheSame()
        {
            var (output, json, _) = await _run.ResultAsync();
            _output.WriteLine(output);
            Assert.True(json != null, "the benchmark wrote no JSON:\n" + output);
            var listings = json!.RootElement.GetProperty("listings").EnumerateArray().ToList();
            Assert.Equal(3, listings.Count);
            foreach (var l in listings)
            {
                int ours = l.GetProperty("OursItems").GetInt32(), baseline = l.GetProperty("BaselineItems").GetInt32();
                Assert.True(ours > 0 && ours == baseline, $"{l.GetProperty("Name").GetString()}: ours found {ours}, the baseline {baseline}");
            }
        }

        private static JsonElement Method(JsonDocument? json, string output, string method)
        {
            Assert.True(json != null, "the benchmark wrote no JSON:\n" + output);
            return json!.RootElement.GetProperty("methods").EnumerateArray().Single(e => e.GetProperty("Method").GetString() == method);
        }

        private async Task AssertPatchedAsync(string method, int? handshakes = null)
        {
            var (output, json, exitCode) = await _run.ResultAsync();
            _output.WriteLine(output);
            Assert.True(json != null, $"the benchmark wrote no JSON (exit {exitCode}):\n" + output);
            var m = Method(json, output, method);
            Assert.True(m.GetProperty("Ran").GetBoolean(), $"{method} did not run: {m.GetProperty("SkipReason")}");
            string problems = string.Join("; ", m.GetProperty("Problems").EnumerateArray().Select(p => p.GetString()));
            Assert.True(m.GetProperty("AllPatched").GetBoolean(), $"{method} left VMs unpatched: {problems}");
            Assert.Equal(BenchSmokeRun.Vms, m.GetProperty("Vms").GetInt32());
            Assert.Equal(0, m.GetProperty("ExitCode").GetInt32());
            Assert.True(m.GetProperty("ConnectionsPerVm").GetDouble() >= 1, $"{method}: no SSH connection counted per VM; the counter is broken");
            Assert.True(m.GetProperty("BytesSent").GetInt64() > 0, $"{method}: no bytes counted; the counter is broken");
            // Counted from the hosts' and VMs' sshd logs: what the method's connections cost, as the goals count it.
            if (handshakes is int expected)
                Assert.Equal((double)expected / BenchSmokeRun.Vms, m.GetProperty("HandshakesPerVm").GetDouble(), 3);
        }
    }
}
