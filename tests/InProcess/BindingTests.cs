using System.Linq;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>How one cmdlet's output binds to the next: by value, by property name, through aliases.</summary>
    public sealed class BindingTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public BindingTests(FakeCloud cloud) { _cloud = cloud; }

        private static string[] Strings(System.Collections.Generic.IEnumerable<System.Management.Automation.PSObject> output) =>
            output.Select(o => o.ToString()).ToArray();

        [Fact]
        public void Get_SystemVm_binds_to_Compare_SysVmVersion_by_value_in_input_order()
        {
            using var s = new ModuleSession();
            var ids = Strings(s.Ok(_cloud.Connect() + "Get-SystemVm | ForEach-Object Id"));
            var compared = Strings(s.Ok("Get-SystemVm | Compare-SysVmVersion -TargetVersion 4.19.1 | ForEach-Object { $_.Vm.Id }"));
            Assert.Equal(_cloud.Lab.Vms.Count, ids.Length);
            Assert.Equal(ids, compared);
        }

        [Fact]
        public void Compare_SysVmVersion_output_binds_to_Restart_SysVm_by_its_Vm_property()
        {
            using var s = new ModuleSession();
            s.Host.Answer = "No";
            s.Ok(_cloud.Connect() + "Get-SystemVm -Type Router | Select-Object -First 3 | Compare-SysVmVersion -TargetVersion 4.19.1 | Restart-SysVm -HistoryPath $HistoryPath");
            var names = Strings(s.Ok("Get-SystemVm -Type Router | Select-Object -First 3 | ForEach-Object Name"));
            Assert.Equal(3, s.Host.Prompts.Count);
            // ShouldProcess's message: Performing the operation "<action>" on target "<name> (<type>, <zone>, <server>)".
            for (int i = 0; i < 3; i++) Assert.Contains("\"" + names[i] + " (Router", s.Host.Prompts[i]);
        }

        [Fact]
        public void A_VM_piped_back_into_Get_SystemVm_finds_itself_by_property_name()
        {
            using var s = new ModuleSession();
            var again = s.Ok(_cloud.Connect() + "Get-SystemVm -Type Router | Select-Object -Skip 2 -First 1 | Get-SystemVm");
            var one = Assert.Single(again);
            var expected = s.Ok("(Get-SystemVm -Type Router | Select-Object -Skip 2 -First 1).Id").Single().ToString();
            Assert.Equal(expected, one.Properties["Id"].Value);
        }

        [Fact]
        public void Any_object_with_a_VmName_and_ZoneName_binds_through_the_aliases()
        {
            using var s = new ModuleSession();
            string name = _cloud.Lab.Vms.First(v => v.Type == SysVmPatch.Engine.Inventory.SystemVmType.Router).Name;
            string zone = _cloud.Lab.Vms.First(v => v.Name == name).Host.Zone.Name;
            var found = s.Ok(_cloud.Connect() + $"[pscustomobject]@{{ VmName = '{name}'; ZoneName = '{zone}' }} | Get-SystemVm");
            Assert.Equal(name, Assert.Single(found).Properties["Name"].Value);
        }

        [Fact]
        public void History_is_found_from_Get_SystemVm_output_and_from_a_result_RunId()
        {
            using var s = new ModuleSession();
            s.Ok(_cloud.Connect() + "$two = @(Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -First 2);" +
                 "$result = $two[0] | Restart-SysVm -Mode Reboot -Confirm:$false -HistoryPath $HistoryPath");
            var byVm = s.Ok("$two | Get-PatchHistory -Path $HistoryPath");
            var record = Assert.Single(byVm);
            Assert.Equal(s.Ok("$two[0].Id").Single().ToString(), record.Properties["VmId"].Value);
            var byRun = s.Ok("$result | Get-PatchHistory -Path $HistoryPath");
            Assert.Equal(record.Properties["RunId"].Value, Assert.Single(byRun).Properties["RunId"].Value);
        }
    }
}
