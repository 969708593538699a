using System.Linq;
using System.Text.RegularExpressions;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>
    /// -WhatIf, -Confirm, $ConfirmPreference and -Force as PowerShell defines them, against the fake CloudStack:
    /// what the server received is the proof that something did or did not run.
    /// </summary>
    public sealed class ShouldProcessTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public ShouldProcessTests(FakeCloud cloud) { _cloud = cloud; }

        private const string TwoRouters = FakeCloud.TwoRouters;

        private int Reboots() => _cloud.Reboots();

        [Fact]
        public void WhatIf_reboots_nothing_and_says_what_it_would_do()
        {
            using var s = new ModuleSession();
            int before = Reboots();
            var output = s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -WhatIf -HistoryPath $HistoryPath");
            Assert.Empty(output);
            Assert.Equal(before, Reboots());
            Assert.Empty(s.Host.Prompts);
        }

        [Fact]
        public void WhatIf_with_Force_changes_nothing_either()
        {
            using var s = new ModuleSession();
            int before = Reboots();
            using var bundle = new TinyBundle();
            s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -WhatIf -Force -HistoryPath $HistoryPath");
            var patched = s.Ok(TwoRouters + $"$vms | Invoke-LivePatch -BundlePath '{bundle.Folder}' -TargetVersion 4.19.1 -WhatIf -Force -HistoryPath $HistoryPath -ConnectTimeoutSec 1");
            Assert.Equal(before, Reboots());
            Assert.Empty(patched); // no result: no VM was contacted, so none can be reported
            Assert.False(System.IO.File.Exists(s.HistoryPath), "-WhatIf wrote history");
        }

        [Fact]
        public void The_default_ConfirmPreference_asks_before_each_reboot_and_No_stops_it()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            int before = Reboots();
            var output = s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.Equal(2, s.Host.Prompts.Count);
            Assert.All(s.Host.Prompts, p => Assert.Contains("rebootRouter", p));
            Assert.Empty(output);
            Assert.Equal(before, Reboots());
        }

        [Fact]
        public void Confirm_false_runs_without_asking()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            var output = s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -Confirm:$false -HistoryPath $HistoryPath");
            Assert.Empty(s.Host.Prompts);
            Assert.Equal(2, output.Count);
            Assert.All(output, o => Assert.Equal("Restarted", o.Properties["Status"].Value.ToString()));
        }

        [Fact]
        public void ConfirmPreference_None_runs_without_asking()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            var output = s.Ok(_cloud.Connect() + "$ConfirmPreference = 'None';" + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -HistoryPath $HistoryPath");
            Assert.Empty(s.Host.Prompts);
            Assert.Equal(2, output.Count);
        }

        [Fact]
        public void Force_does_not_silence_an_explicit_Confirm_on_Invoke_LivePatch()
        {
            using var s = new ModuleSession();
            using var bundle = new TinyBundle();
            s.Host.Answer = "No";
            var output = s.Ok(_cloud.Connect() + TwoRouters + $"$vms | Invoke-LivePatch -BundlePath '{bundle.Folder}' -TargetVersion 4.19.1 -Force -Confirm -HistoryPath $HistoryPath -ConnectTimeoutSec 1");
            Assert.Equal(2, s.Host.Prompts.Count);
            Assert.All(s.Host.Prompts, p => Assert.Contains("live-patch", p));
            Assert.Empty(output); // both answered No: nothing patched, nothing reported
        }

        [Fact]
        public void Force_does_not_silence_the_default_confirmation_of_Invoke_LivePatch()
        {
            using var s = new ModuleSession();
            using var bundle = new TinyBundle();
            s.Host.Answer = "No";
            s.Ok(_cloud.Connect() + TwoRouters + $"$vms | Invoke-LivePatch -BundlePath '{bundle.Folder}' -TargetVersion 4.19.1 -Force -HistoryPath $HistoryPath -ConnectTimeoutSec 1");
            Assert.Equal(2, s.Host.Prompts.Count);
        }

        [Fact]
        public void Force_does_not_silence_an_explicit_Confirm_on_Restart_SysVm()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            int before = Reboots();
            s.Ok(_cloud.Connect() + TwoRouters + "$vms | Restart-SysVm -Mode Reboot -Force -Confirm -HistoryPath $HistoryPath");
            Assert.Equal(2, s.Host.Prompts.Count);
            Assert.Equal(before, Reboots());
        }

        [Fact]
        public void Declining_some_VMs_at_Confirm_leaves_the_others_in_the_batches_their_prompts_named()
        {
            using var s = new ModuleSession();
            // Batches of one: the operator says No to the second VM; the third must still run in batch 3, as asked.
            const string ThreeRouters = "$vms = @(Get-SystemVm -Type Router -Server fake | Where-Object { -not $_.IsRedundant } | Select-Object -First 3);";
            var names = s.Ok(_cloud.Connect() + ThreeRouters + "$vms.Name").Select(o => o.ToString()).ToList();
            Assert.Equal(3, names.Count);
            s.Host.AnswerFor = prompt => prompt.Contains(names[1]) ? "No" : "Yes";

            var output = s.Ok(ThreeRouters + "$vms | Restart-SysVm -Mode Reboot -BatchSize 1 -Confirm -HistoryPath $HistoryPath");

            var ran = output.ToDictionary(o => o.Properties["VmName"].Value.ToString()!, o => (int)o.Properties["Batch"].Value);
            Assert.Equal(new[] { names[0], names[2] }, ran.Keys.OrderBy(n => names.IndexOf(n)));
            Assert.Equal(3, ran[names[2]]); // planned again without the declined VM, it would have moved up to batch 2
            Assert.Equal(3, s.Host.Prompts.Count);
            var promised = names.ToDictionary(n => n, n => BatchNamedIn(s.Host.Prompts.Single(p => p.Contains(n))));
            Assert.Equal(new[] { 1, 2, 3 }, names.Select(n => promised[n]));
            Assert.All(ran, r => Assert.Equal(promised[r.Key], r.Value));
            Assert.All(output, o => Assert.Equal("Restarted", o.Properties["Status"].Value.ToString()));
        }

        private static int BatchNamedIn(string prompt)
        {
            var m = Regex.Match(prompt, @"in batch (\d+)");
            Assert.True(m.Success, $"the prompt names no batch: {prompt}");
            return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
