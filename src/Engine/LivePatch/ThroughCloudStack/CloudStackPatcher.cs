using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch.ThroughCloudStack
{
    /// <summary>
    /// The Api method: CloudStack patches the VM itself (patchSystemVm for SSVM/CPVM; restartNetwork or
    /// restartVPC with livepatch=true, cleanup=false for routers, once per network), we wait for its job, then read
    /// the VM over SSH and accept the patch only when its scripts signature is the bundle's and it finished booting.
    /// </summary>
    public sealed class CloudStackPatcher
    {
        private readonly Func<string, ICloudStackApi?> _serverByName;
        private readonly IVmProber _prober;
        private readonly PatchBundle _bundle;
        private readonly bool _forced;
        private readonly string _runId;
        private readonly Action<string, string> _step;
        // One restartNetwork/restartVPC per network: its routers share the job.
        private readonly ConcurrentDictionary<string, Lazy<Task<AsyncJobResult>>> _networkJobs = new ConcurrentDictionary<string, Lazy<Task<AsyncJobResult>>>(StringComparer.OrdinalIgnoreCase);

        public CloudStackPatcher(Func<string, ICloudStackApi?> serverByName, IVmProber prober, PatchBundle bundle, bool forced, string runId, Action<string, string>? step = null)
        {
            _serverByName = serverByName ?? throw new ArgumentNullException(nameof(serverByName));
            _prober = prober ?? throw new ArgumentNullException(nameof(prober));
            _bundle = bundle ?? throw new ArgumentNullException(nameof(bundle));
            _forced = forced;
            _runId = runId;
            _step = step ?? ((_, _) => { });
        }

        public async Task<LivePatchResult> PatchAsync(SystemVm vm, int batch, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var steps = new List<string>();
            void Step(string text) { steps.Add(text); _step(vm.Name, text); }
            LivePatchResult Result(LivePatchStatus status, PatchStep? failedStep, string? error, string? signature) =>
                LivePatchResult.For(vm, _runId, _bundle.Version).With(new PatchVerdict(status, failedStep, error)) with
                {
                    ToSignature = signature, Duration = watch.Elapsed, Steps = steps.ToArray(), Batch = batch,
                };

            var api = _serverByName(vm.Server);
            if (api is null) return Result(LivePatchStatus.Failed, PatchStep.Connect, $"not connected to '{vm.Server}', the management server this VM came from", vm.BestSignature);
            string command = "its job";
            try
            {
                (command, var parameters, var key) = Request(vm);
                Step($"{command} {string.Join(" ", System.Linq.Enumerable.Select(parameters, p => p.Key + "=" + p.Value))}");
                var job = key is null
                    ? await api.RunAsyncJobAsync(command, parameters, cancellationToken).ConfigureAwait(false)
                    : await _networkJobs.GetOrAdd(key, _ => new Lazy<Task<AsyncJobResult>>(() => api.RunAsyncJobAsync(command, parameters, cancellationToken))).Value.ConfigureAwait(false);
                Step($"{command} job {job.JobId} succeeded");
            }
            catch (Exception e) when (e is CloudStackException || e is InvalidOperationException)
            {
                Step("failed: " + e.Message);
                // CloudStack's own script restores nothing reliably (DOMAIN.md): say what the VM runs now.
                var after = await _prober.ProbeAsync(vm, CancellationToken.None).ConfigureAwait(false);
                return Result(LivePatchStatus.Failed, e is CloudStackOutcomeUnknownException ? PatchStep.CloudStackJobMayHaveRun : PatchStep.CloudStackJob, e.Message, after.Signature ?? vm.BestSignature);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C stops our wait, not CloudStack's job.
                Step("cancelled while waiting for " + command);
                return Result(LivePatchStatus.Failed, PatchStep.Cancelled,
                    $"cancelled while waiting for CloudStack's {command}: the job may still finish on the server; check the VM", null);
            }

            var probe = await _prober.ProbeAsync(vm, cancellationToken).ConfigureAwait(false);
            if (probe.Error != null)
                return Result(LivePatchStatus.Failed, PatchStep.Validate, "CloudStack's job succeeded but the VM could not be read to verify it: " + probe.Error, null);
            Step($"VM reports scripts {probe.Signature}, boot {(probe.BootFinished ? "finished" : "not finished")}");
            if (!string.Equals(probe.Signature, _bundle.Signature, StringComparison.OrdinalIgnoreCase))
                return Result(LivePatchStatus.Failed, PatchStep.Validate, $"CloudStack's job succeeded but the VM runs scripts {probe.Signature ?? "(none)"}, not the bundle's {_bundle.Signature}", probe.Signature);
            if (!probe.BootFinished)
                return Result(LivePatchStatus.Failed, PatchStep.Validate, "the VM runs the new scripts but has not finished booting (/var/cache/cloud/boot_up_done missing)", probe.Signature);
            return Result(LivePatchStatus.Patched, null, null, probe.Signature);
        }

        private (string Command, IReadOnlyDictionary<string, string> Parameters, string? NetworkKey) Request(SystemVm vm)
        {
            if (vm.Type != SystemVmType.Router)
            {
                var p = new Dictionary<string, string> { ["id"] = vm.Id };
                if (_forced) p["forced"] = "true";
                return ("patchSystemVm", p, null);
            }
            var (command, parameters) = RouterNetwork.Restart(vm, cleanup: false, livePatch: true);
            return (command, parameters, RouterNetwork.Key(vm));
        }
    }
}
