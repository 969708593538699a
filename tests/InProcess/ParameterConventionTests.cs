using System;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>PowerShell's naming and default-value conventions, checked on every cmdlet the module exports.</summary>
    public sealed class ParameterConventionTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public ParameterConventionTests(FakeCloud cloud) { _cloud = cloud; }

        private static readonly Type[] Cmdlets = typeof(SysVmPatch.Cmdlets.Commands.GetSystemVmCommand).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<CmdletAttribute>() != null).ToArray();

        private static PropertyInfo[] Parameters(Type t) =>
            t.GetProperties().Where(p => p.GetCustomAttributes<ParameterAttribute>().Any()).ToArray();

        [Fact]
        public void Every_default_lies_inside_its_ValidateRange()
        {
            Assert.NotEmpty(Cmdlets);
            var outside = Cmdlets.SelectMany(t =>
            {
                object cmdlet = Activator.CreateInstance(t)!;
                return Parameters(t).Select(p => (p, range: p.GetCustomAttribute<ValidateRangeAttribute>()))
                    .Where(x => x.range != null)
                    .Where(x => !Inside(x.p.GetValue(cmdlet), x.range!))
                    .Select(x => $"{t.Name}.{x.p.Name} = {x.p.GetValue(cmdlet)} outside [{x.range!.MinRange}, {x.range.MaxRange}]");
            }).ToList();
            Assert.True(outside.Count == 0, string.Join("; ", outside));
        }

        private static bool Inside(object? value, ValidateRangeAttribute range)
        {
            var v = Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture);
            return v >= Convert.ToDecimal(range.MinRange, System.Globalization.CultureInfo.InvariantCulture)
                && v <= Convert.ToDecimal(range.MaxRange, System.Globalization.CultureInfo.InvariantCulture);
        }

        [Fact]
        public void Every_time_parameter_is_named_in_seconds_with_the_Sec_suffix()
        {
            string[] timeWords = { "Timeout", "Delay", "Interval", "Wait", "Seconds", "Pause" };
            var numeric = new[] { typeof(int), typeof(long), typeof(double) };
            var bad = Cmdlets.SelectMany(t => Parameters(t)
                    .Where(p => numeric.Contains(p.PropertyType) && timeWords.Any(w => p.Name.Contains(w, StringComparison.Ordinal)))
                    .Where(p => !p.Name.EndsWith("Sec", StringComparison.Ordinal))
                    .Select(p => t.Name + "." + p.Name))
                .ToList();
            Assert.True(bad.Count == 0, "time parameters without the Sec suffix: " + string.Join(", ", bad));
        }

        [Theory]
        [InlineData("Restart-SysVm", "TimeoutSec", "Timeout")]
        [InlineData("Restart-SysVm", "DelaySec", "Delay")]
        [InlineData("Invoke-LivePatch", "DelaySec", "Delay")]
        public void Renamed_time_parameters_keep_their_old_name_as_an_alias(string command, string parameter, string oldName)
        {
            using var s = new ModuleSession();
            var aliases = s.Ok($"(Get-Command {command}).Parameters['{parameter}'].Aliases").Select(a => a.ToString()).ToList();
            Assert.Contains(oldName, aliases);
        }

        [Fact]
        public void An_existing_script_using_the_old_names_still_runs()
        {
            using var s = new ModuleSession();
            var output = s.Ok(_cloud.Connect() + "Get-SystemVm -Type Router | Select-Object -First 1 | Restart-SysVm -Mode Reboot -Timeout 120 -Delay 0 -Confirm:$false -HistoryPath $HistoryPath");
            var result = Assert.Single(output);
            Assert.Equal("Restarted", result.Properties["Status"].Value.ToString());
        }
    }
}
