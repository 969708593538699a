using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// The cmdlet path as an operator runs it, timed from the start of a fresh `dotnet pwsh` to its exit right after
    /// the last result: module import, connecting, listing the VMs from the fake management server (https, the real
    /// wire format), and Invoke-LivePatch on its default transport (SSH.NET). The API secret goes through
    /// CLOUDSTACK_* environment variables (Connect-SysVmCloud -FromEnvironment), never the command line.
    /// </summary>
    public static class PwshDriver
    {
        /// <summary>The repository root: the folder with SysVmPatch.psd1 above the benchmark's binary.</summary>
        public static string? RepoRoot()
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "SysVmPatch.psd1")) && File.Exists(Path.Combine(d.FullName, "dotnet-tools.json"))) return d.FullName;
            return null;
        }

        /// <summary>Null when the cmdlet path can run; otherwise why not.</summary>
        public static string? Missing()
        {
            string? root = RepoRoot();
            if (root == null) return "no repository (SysVmPatch.psd1) above the benchmark's binary";
            if (!File.Exists(Path.Combine(root, "module", "bin", "SysVmPatch.dll"))) return "the module is not built (dotnet pwsh ./build.ps1)";
            return MethodRunners.OnPath("dotnet") ? null : "dotnet is not on PATH";
        }

        public static async Task<(DriverRun, List<VmTiming>, string?)> RunAsync(BenchOptions o, Payload payload, string work, BenchWorld world)
        {
            var server = world.Server ?? throw new InvalidOperationException("The cmdlet path needs the world's management server.");
            string root = RepoRoot()!;
            string results = Path.Combine(work, "pwsh-results.txt");
            File.Delete(results);
            static string Q(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";
            // One line per result as it arrives; the process ends right after the last one.
            string script = string.Join("; ", new[]
            {
                "$ErrorActionPreference = 'Stop'",
                $"Import-Module {Q(Path.Combine(root, "SysVmPatch.psd1"))}",
                "Connect-SysVmCloud -FromEnvironment | Out-Null",
                $"Get-SystemVm | Invoke-LivePatch -BundlePath {Q(payload.Folder)} -TargetVersion {Payload.Version} -KeyFile {Q(world.Lab.PrivateKeyPath)} " +
                $"-KnownHostsFile {Q(world.Lab.KnownHostsPath)} -BatchSize {o.Vms} -ThrottleLimit {o.Parallel} -AgentTimeoutSec 300 " +
                $"-HistoryPath {Q(Path.Combine(work, "pwsh-history"))} -Confirm:$false | " +
                $"ForEach-Object {{ '{{0}} {{1}} {{2}} {{3}}' -f $_.VmName, $_.Status, $_.Duration.TotalSeconds.ToString([cultureinfo]::InvariantCulture), $_.Error }} | Tee-Object -FilePath {Q(results)}",
            });
            var env = new Dictionary<string, string>
            {
                ["CLOUDSTACK_ENDPOINT"] = server.Endpoint.ToString(),
                ["CLOUDSTACK_KEY"] = server.ApiKey,
                ["CLOUDSTACK_SECRET"] = server.SecretKey,
                // The fake server's certificate is made at its start: nothing trusts it.
                ["CLOUDSTACK_VERIFY"] = "false",
                ["POWERSHELL_TELEMETRY_OPTOUT"] = "1",
                ["POWERSHELL_UPDATECHECK"] = "Off",
            };
            var run = await DriverProcess.RunAsync("pwsh", "dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", script }, env, root).ConfigureAwait(false);
            File.WriteAllText(Path.Combine(work, "pwsh-output.log"), run.Output);
            var vms = new List<VmTiming>();
            if (File.Exists(results))
                foreach (var line in File.ReadAllLines(results).Where(l => l.Trim().Length > 0))
                {
                    var p = line.Split(' ', 4);
                    if (p.Length < 3) continue;
                    bool ok = p[1] == "Patched";
                    vms.Add(new VmTiming(p[0], ok, double.Parse(p[2], CultureInfo.InvariantCulture), ok ? null : p[1] + " " + (p.Length > 3 ? p[3] : "")));
                }
            return (run, vms, $"from `dotnet pwsh` start to exit after the last result; output: {Path.Combine(work, "pwsh-output.log")}" + (vms.Count == 0 ? "; " + MethodRunners.Tail(run.Output) : ""));
        }
    }
}
