using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using SysVmPatch.InProcess.Infrastructure;
using SysVmPatch.TestWorld.FakeCloudStack;

namespace SysVmPatch.InProcess
{
    /// <summary>Connections belong to a runspace: hosted runspaces and ForEach-Object -Parallel blocks each have their own.</summary>
    public sealed class RunspaceConnectionTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public RunspaceConnectionTests(FakeCloud cloud) { _cloud = cloud; }

        [Fact]
        public void A_second_runspace_does_not_see_the_first_ones_connection()
        {
            using var a = new ModuleSession();
            using var b = new ModuleSession();
            a.Ok(_cloud.Connect());
            Assert.Empty(b.Ok("Get-SysVmCloud"));
            var e = b.Terminating("Get-SystemVm");
            Assert.Equal("NotConnected,SysVmPatch.Cmdlets.Commands.GetSystemVmCommand", e.FullyQualifiedErrorId);
            Assert.NotEmpty(a.Ok("Get-SystemVm"));
        }

        [Fact]
        public async Task The_same_name_in_two_runspaces_is_two_connections_to_two_servers()
        {
            await using var other = await FakeCloudStackServer.StartAsync(_cloud.Lab, null, new FakeCloudStackOptions { Name = "other" });
            using var a = new ModuleSession();
            using var b = new ModuleSession();
            a.Ok(_cloud.Connect("prod"));
            b.Ok($"$null = Connect-SysVmCloud -AllowUnencryptedAuthentication -Url '{other.Endpoint}' -ApiKey '{other.ApiKey}' -SecretKey (ConvertTo-SecureString '{other.SecretKey}' -AsPlainText -Force) -Name prod");
            Assert.Equal(_cloud.Server.Endpoint.ToString(), a.Ok("(Get-SysVmCloud prod).Endpoint").Single().ToString());
            Assert.Equal(other.Endpoint.ToString(), b.Ok("(Get-SysVmCloud prod).Endpoint").Single().ToString());
            int before = other.CallsOf("listRouters").Count;
            a.Ok("$null = Get-SystemVm -Server prod");
            Assert.Equal(before, other.CallsOf("listRouters").Count); // a's read went to a's server only
        }

        [Fact]
        public void ForEach_Object_Parallel_blocks_start_unconnected_and_leave_the_callers_default_alone()
        {
            using var s = new ModuleSession();
            s.Ok(_cloud.Connect("outer"));
            var inner = s.Ok("1..2 | ForEach-Object -ThrottleLimit 2 -Parallel { Import-Module $using:module; " +
                             "$before = @(Get-SysVmCloud).Count; " + _cloud.Connect("inner") + " [pscustomobject]@{ Before = $before; Vms = @(Get-SystemVm).Count; Default = (Get-SysVmCloud | Where-Object IsDefault).Name } }",
                new System.Collections.Generic.Dictionary<string, object?> { ["module"] = ModuleSession.ModulePath });
            Assert.Equal(2, inner.Count);
            Assert.All(inner, o => Assert.Equal(0, (int)o.Properties["Before"].Value));
            Assert.All(inner, o => Assert.Equal(_cloud.Lab.Vms.Count, (int)o.Properties["Vms"].Value));
            Assert.All(inner, o => Assert.Equal("inner", o.Properties["Default"].Value));
            var outer = s.Ok("Get-SysVmCloud");
            Assert.Equal("outer", Assert.Single(outer).Properties["Name"].Value);
        }

        [Fact]
        public async Task Two_runspaces_reading_at_once_each_get_their_own_verbose_lines()
        {
            using var a = new ModuleSession();
            using var b = new ModuleSession();
            a.Ok(_cloud.Connect());
            b.Ok(_cloud.Connect());
            static int[] VerboseCounts(ModuleSession s)
            {
                var counts = new int[5];
                for (int i = 0; i < counts.Length; i++)
                {
                    var (_, ps) = s.Run("$null = Get-SystemVm -Verbose");
                    counts[i] = ps.Streams.Verbose.Count(v => v.Message.Contains("listRouters", StringComparison.Ordinal));
                    ps.Dispose();
                }
                return counts;
            }
            var both = await Task.WhenAll(Task.Run(() => VerboseCounts(a)), Task.Run(() => VerboseCounts(b)));
            Assert.All(both.SelectMany(c => c), n => Assert.True(n >= 1, "a Get-SystemVm -Verbose without its listRouters line"));
        }
    }
}
