using System;
using System.Linq;
using SysVmPatch.InProcess.Infrastructure;

namespace SysVmPatch.InProcess
{
    /// <summary>What each cmdlet writes is what its [OutputType] promises (for its parameter set).</summary>
    public sealed class OutputTypeTests : IClassFixture<FakeCloud>
    {
        private readonly FakeCloud _cloud;
        public OutputTypeTests(FakeCloud cloud) { _cloud = cloud; }

        [Theory]
        [InlineData("Connect-SysVmCloud", "Connect-SysVmCloud -AllowUnencryptedAuthentication -Url $url -ApiKey $key -SecretKey $secret -Name typed")]
        [InlineData("Get-SysVmCloud", "Get-SysVmCloud")]
        [InlineData("Get-SystemVm", "Get-SystemVm")]
        [InlineData("Compare-SysVmVersion", "Get-SystemVm | Compare-SysVmVersion -TargetVersion 4.19.1")]
        [InlineData("Restart-SysVm", "Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -First 1 | Restart-SysVm -Confirm:$false -HistoryPath $HistoryPath")]
        [InlineData("Get-PatchHistory", "Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -First 1 | Restart-SysVm -Confirm:$false -HistoryPath $HistoryPath | Out-Null; Get-PatchHistory -Path $HistoryPath")]
        [InlineData("Get-PatchHistory", "Get-SystemVm -Type Router | Where-Object { -not $_.IsRedundant } | Select-Object -First 1 | Restart-SysVm -Confirm:$false -HistoryPath $HistoryPath | Out-Null; Get-PatchHistory -Path $HistoryPath -Summary")]
        public void Every_object_written_is_of_a_declared_output_type(string command, string script)
        {
            using var s = new ModuleSession();
            var output = s.Ok(_cloud.Connect() + $"$url = '{_cloud.Server.Endpoint}'; $key = '{_cloud.Server.ApiKey}'; $secret = ConvertTo-SecureString '{_cloud.Server.SecretKey}' -AsPlainText -Force;" + script);
            Assert.NotEmpty(output);
            // The output types of the parameter set the last statement used, as Get-Command reports them.
            bool summary = script.EndsWith("-Summary", StringComparison.Ordinal);
            var declared = s.Ok($"(Get-Command {command}).OutputType" + (command == "Get-PatchHistory" ? $" | Where-Object {{ $_.Name -like '*{(summary ? "PatchRunSummary" : "PatchHistoryRecord")}' }}" : "") + " | ForEach-Object Type")
                .Select(o => (Type)o.BaseObject).ToList();
            Assert.NotEmpty(declared);
            Assert.All(output, o => Assert.Contains(declared, t => t.IsInstanceOfType(o.BaseObject)));
        }
    }
}
