using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.InProcess.Infrastructure;
using SysVmPatch.TestWorld.FakeCloudStack;

namespace SysVmPatch.InProcess
{
    /// <summary>Tab completion as PowerShell runs it (CommandCompletion.CompleteInput, what TabExpansion2 calls).</summary>
    public sealed class CompletionTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public CompletionTests(FakeCloud cloud) { _cloud = cloud; }

        private static List<string> Complete(ModuleSession s, string input)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = s.Runspace;
            var result = CommandCompletion.CompleteInput(input, input.Length, null, ps);
            return result.CompletionMatches.Select(m => m.CompletionText).ToList();
        }

        [Fact]
        public void Zone_HostName_and_Name_complete_from_the_connected_cloud()
        {
            using var s = new ModuleSession();
            s.Ok(_cloud.Connect());
            var zones = _cloud.Lab.Vms.Select(v => v.Host.Zone.Name).Distinct().OrderBy(z => z).ToList();
            Assert.Equal(zones, Complete(s, "Get-SystemVm -Zone "));
            var hosts = _cloud.Lab.Vms.Select(v => v.Host.Name).Distinct().ToList();
            Assert.Equal(hosts.OrderBy(h => h, StringComparer.OrdinalIgnoreCase), Complete(s, "Get-SystemVm -HostName "));
            var router = _cloud.Lab.Vms.First(v => v.Type == SystemVmType.Router).Name;
            var prefix = router.Substring(0, router.Length - 3); // "r-12" of "r-12-VM"
            var names = Complete(s, "Get-SystemVm -Name " + prefix);
            Assert.Contains(router, names);
            Assert.All(names, n => Assert.StartsWith(prefix, n, StringComparison.OrdinalIgnoreCase));
            Assert.Contains(router, Complete(s, "Get-PatchHistory -VmName " + prefix));
        }

        [Fact]
        public void Completions_are_cached_per_runspace()
        {
            using var a = new ModuleSession();
            using var b = new ModuleSession();
            a.Ok(_cloud.Connect());
            b.Ok(_cloud.Connect());
            int before = _cloud.Server.CallsOf("listZones").Count;
            Assert.NotEmpty(Complete(a, "Get-SystemVm -Zone "));
            Assert.NotEmpty(Complete(a, "Get-SystemVm -Zone z"));
            Assert.Equal(before + 1, _cloud.Server.CallsOf("listZones").Count);
            Assert.NotEmpty(Complete(b, "Get-SystemVm -Zone "));
            Assert.Equal(before + 2, _cloud.Server.CallsOf("listZones").Count); // b has its own cache and connection
        }

        [Fact]
        public async Task A_hung_server_does_not_hold_the_Tab_press_and_its_answer_serves_the_next_one()
        {
            await using var slow = await FakeCloudStackServer.StartAsync(_cloud.Lab, null, new FakeCloudStackOptions { Name = "slow" });
            slow.Faults.Delay(TimeSpan.FromSeconds(6), "listHosts");
            using var s = new ModuleSession();
            s.Ok($"$null = Connect-SysVmCloud -AllowUnencryptedAuthentication -Url '{slow.Endpoint}' -ApiKey '{slow.ApiKey}' -SecretKey (ConvertTo-SecureString '{slow.SecretKey}' -AsPlainText -Force) -Name slow");
            var clock = Stopwatch.StartNew();
            var first = Complete(s, "Get-SystemVm -HostName ");
            clock.Stop();
            Assert.Empty(first);
            // Not a timing benchmark: only that the Tab press came back before the server answered.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"completion waited {clock.Elapsed} for a server that answers after 6 s");
            List<string> later = new List<string>();
            for (int i = 0; i < 100 && later.Count == 0; i++) { await Task.Delay(100); later = Complete(s, "Get-SystemVm -HostName "); }
            Assert.NotEmpty(later);
        }

        [Fact]
        public void Server_completes_the_runspaces_connection_names_and_Zone_follows_the_Server_given()
        {
            using var s = new ModuleSession();
            s.Ok(_cloud.Connect("prod-east") + _cloud.Connect("lab"));
            Assert.Equal(new[] { "lab", "prod-east" }, Complete(s, "Get-SystemVm -Server "));
            Assert.Equal(new[] { "prod-east" }, Complete(s, "Get-SystemVm -Server prod"));
            Assert.Equal(new[] { "lab" }, Complete(s, "Disconnect-SysVmCloud -Server l"));
            Assert.NotEmpty(Complete(s, "Get-SystemVm -Server prod-east -Zone "));
            Assert.Empty(Complete(s, "Get-SystemVm -Server nosuch -Zone "));
        }

        [Fact]
        public void RunId_completes_from_the_history_named_on_the_command_line()
        {
            using var s = new ModuleSession();
            var runId = s.Ok(_cloud.Connect() + "(Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -First 1 | Restart-SysVm -Confirm:$false -HistoryPath $HistoryPath).RunId")
                .Single().ToString();
            Assert.Equal(new[] { runId }, Complete(s, $"Get-PatchHistory -Path '{s.HistoryPath}' -RunId "));
            Assert.Empty(Complete(s, $"Get-PatchHistory -Path '{s.HistoryPath}' -RunId zzz"));
        }
    }
}
