using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Engine.History;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>
    /// The wildcard parameters (-Name, -Zone, -VmName, -Status...) read patterns with PowerShell's own WildcardPattern,
    /// case-insensitively: the same dialect, escapes and errors as PowerShell's cmdlets. Checked through the cmdlets,
    /// against a real history file and the fake CloudStack server.
    /// </summary>
    public sealed class WildcardTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public WildcardTests(FakeCloud cloud) { _cloud = cloud; }

        private static readonly string[] Names =
        {
            "r-102-VM", "s-1-VM", "v-1-VM", "v-2-VM", "v-2-VMx", "r-7-VM", "r-17-VM", "r-3-VM", "r-5-VM",
            "xxaybzzc", "xxaybzzcd", "a*b", "axb", "xzy", "r-[1]", "r-1",
        };

        [Theory]
        [InlineData("r-1*", "r-102-VM", true)]
        [InlineData("R-1*", "r-102-VM", true)]
        [InlineData("r-1*", "s-1-VM", false)]
        [InlineData("*-VM", "v-2-VM", true)]
        [InlineData("*-VM", "v-2-VMx", false)]
        [InlineData("r-?-VM", "r-7-VM", true)]
        [InlineData("r-?-VM", "r-17-VM", false)]
        [InlineData("[rs]-1-VM", "s-1-VM", true)]
        [InlineData("[rs]-1-VM", "v-1-VM", false)]
        [InlineData("r-[0-4]*", "r-3-VM", true)]
        [InlineData("r-[0-4]*", "r-5-VM", false)]
        [InlineData("*a*b*c", "xxaybzzc", true)]
        [InlineData("*a*b*c", "xxaybzzcd", false)]
        [InlineData("a`*b", "a*b", true)]
        [InlineData("a`*b", "axb", false)]
        [InlineData("x.y", "xzy", false)]
        // A name with brackets: escaped, they are the name's own characters; bare, they are a set, as in PowerShell.
        [InlineData("r-`[1`]", "r-[1]", true)]
        [InlineData("r-`[1`]", "r-1", false)]
        [InlineData("r-[1]", "r-1", true)]
        [InlineData("r-[1]", "r-[1]", false)]
        [InlineData("r-[[]1*", "r-[1]", true)]
        public void Get_PatchHistory_VmName_matches_like_PowerShell(string pattern, string name, bool expected)
        {
            using var s = new ModuleSession();
            new HistoryStore(s.HistoryPath).AppendAll(Names.Select(n => new PatchHistoryRecord { RunId = "wild", VmId = n, VmName = n, Status = "Patched" }));

            var found = s.Ok("Get-PatchHistory -VmName $pattern -Path $HistoryPath", new Dictionary<string, object?> { ["pattern"] = pattern })
                         .Select(o => o.Properties["VmName"].Value.ToString()).ToList();

            Assert.Equal(expected, found.Contains(name));
            Assert.Equal(found.Count, found.Distinct().Count());
        }

        [Fact]
        public void Get_SystemVm_filters_are_case_insensitive_wildcards_tried_on_name_and_id()
        {
            using var s = new ModuleSession();
            var all = s.Ok(_cloud.Connect() + "Get-SystemVm -Server fake").ToList();
            string Prop(PSObject o, string n) => o.Properties[n].Value?.ToString() ?? "";
            var zone = all.Select(o => (Name: Prop(o, "ZoneName"), Id: Prop(o, "ZoneId"))).First();

            var byName = s.Ok("Get-SystemVm -Server fake -Name 'R-1*' -State 'run*'").Select(o => Prop(o, "Name")).ToList();
            var byZoneId = s.Ok($"Get-SystemVm -Server fake -Zone '{zone.Id.ToUpperInvariant()}'").Select(o => Prop(o, "Name")).ToList();

            Assert.Equal(all.Where(o => Prop(o, "Name").StartsWith("r-1", StringComparison.Ordinal) && Prop(o, "State") == "Running").Select(o => Prop(o, "Name")), byName);
            Assert.NotEmpty(byName);
            Assert.Equal(all.Where(o => Prop(o, "ZoneName") == zone.Name).Select(o => Prop(o, "Name")), byZoneId);
        }

        [Theory]
        [InlineData("Get-PatchHistory -VmName 'r-[12' -Path $HistoryPath", "VmName", "InvalidHistoryFilter")]
        [InlineData("Get-PatchHistory -Status 'Fail[' -Path $HistoryPath", "Status", "InvalidHistoryFilter")]
        [InlineData("Get-SysVmCloud -Name 'prod['", "Name", "InvalidWildcardPattern")]
        public void A_pattern_PowerShell_cannot_read_is_an_InvalidArgument_error_naming_the_parameter(string script, string parameter, string errorId)
        {
            using var s = new ModuleSession();
            var e = s.Terminating(script);
            Assert.StartsWith(errorId + ",", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, e.CategoryInfo.Category);
            Assert.StartsWith($"-{parameter}: ", e.Exception.Message);
            Assert.Contains("[", e.TargetObject?.ToString());
        }

        [Fact]
        public void A_bad_pattern_in_Get_SystemVm_names_its_parameter_before_any_request()
        {
            using var s = new ModuleSession();
            var e = s.Terminating(_cloud.Connect() + "Get-SystemVm -Server fake -HostName 'kvm-[1'");
            Assert.StartsWith("InvalidWildcardPattern,", e.FullyQualifiedErrorId);
            Assert.StartsWith("-HostName: ", e.Exception.Message);
            Assert.Equal("kvm-[1", e.TargetObject);
        }
    }
}
