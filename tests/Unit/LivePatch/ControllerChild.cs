using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Rollout;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>What the SIGKILL test hands its child controller.</summary>
    public sealed record ControllerChildSpec(List<SystemVm> Vms, string BundleFolder, string KeyFile, string KnownHostsFile, string RunId, string PidFile, string EventsFile);

    /// <summary>
    /// The controller as a separate process, so a test can SIGKILL it mid-patch: the SIGKILL test starts
    /// `dotnet test` on this one fact with SVP_CONTROLLER_CHILD naming a spec file. Run on its own it is skipped.
    /// </summary>
    public sealed class ControllerChild
    {
        public const string EnvironmentVariable = "SVP_CONTROLLER_CHILD";

        public sealed class ChildFactAttribute : FactAttribute
        {
            public ChildFactAttribute()
            {
                if (Environment.GetEnvironmentVariable(EnvironmentVariable) == null)
                    Skip = "runs only as the child controller process of the SIGKILL test (LivePatchControllerKillLabTests)";
            }
        }

        [ChildFact]
        public async Task Run_the_engine_as_a_child_controller()
        {
            var spec = JsonSerializer.Deserialize<ControllerChildSpec>(File.ReadAllText(Environment.GetEnvironmentVariable(EnvironmentVariable)!))!;
            File.WriteAllText(spec.PidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var options = new LivePatchOptions
            {
                Bundle = PatchBundle.Load(spec.BundleFolder, "4.19.1.0"),
                RunId = spec.RunId,
                Rollout = new RolloutOptions { BatchSize = spec.Vms.Count },
                Ssh = new SshRouteOptions { IdentityFile = spec.KeyFile, KnownHostsFile = spec.KnownHostsFile, ConnectTimeout = TimeSpan.FromSeconds(5) },
            };
            var gate = new object();
            var results = await new LivePatchService().RunAsync(spec.Vms, options, e =>
            {
                lock (gate) File.AppendAllText(spec.EventsFile, $"{e.Kind}\t{e.VmName}\t{e.Message}{(e.Result is { } r ? $"{r.Status} {r.FailedStep} {r.Error}" : "")}\n");
            }, CancellationToken.None);
            // Reaching here means the parent did not kill this process in time; it then fails its own assertions.
            Assert.NotEmpty(results);
        }
    }
}
