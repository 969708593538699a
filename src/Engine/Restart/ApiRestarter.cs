using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>
    /// Restarts one VM through the CloudStack API (Reboot, StopStart, Recreate) and, when asked, waits until it
    /// is back: Running, and for SSVM/CPVM with its agent Up. Polls with backoff, never a fixed sleep.
    /// </summary>
    public sealed class ApiRestarter
    {
        private readonly ICloudStackApi _api;
        private readonly RestartOptions _options;
        private readonly Action<string> _log;

        public ApiRestarter(ICloudStackApi api, RestartOptions options, Action<string>? log = null)
        {
            _api = api ?? throw new ArgumentNullException(nameof(api));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _log = log ?? (_ => { });
        }

        public async Task<RestartResult> RestartAsync(SystemVm vm, string runId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var steps = new List<string>();
            var jobs = new List<string>();
            string? finalState = null, newId = null;
            RestartStatus status = RestartStatus.Restarted;
            string? error = null;
            try
            {
                // An SSVM or CPVM comes back under a new id: note who is there before, so the wait is for the new one
                // alone, not for every VM of its type in the zone (another may be down for its own reasons).
                var before = _options.Wait && RecreatesSystemVm(vm) ? await SameKindInZoneAsync(vm, cancellationToken).ConfigureAwait(false) : null;
                foreach (var (command, parameters) in Commands(vm))
                {
                    Step(vm, steps, $"{command} {Describe(parameters)}");
                    var job = await _api.RunAsyncJobAsync(command, parameters, cancellationToken).ConfigureAwait(false);
                    jobs.Add(job.JobId);
                    Step(vm, steps, $"{command} job {job.JobId} succeeded");
                }
                if (_options.Wait)
                {
                    var (ok, state, id) = await WaitUntilBackAsync(vm, before, cancellationToken).ConfigureAwait(false);
                    finalState = state;
                    newId = id != vm.Id ? id : null;
                    if (ok) Step(vm, steps, $"back: {state}{(newId != null ? $" as {newId}" : "")}");
                    else
                    {
                        status = RestartStatus.TimedOut;
                        error = $"not back within {_options.Timeout.TotalSeconds:0} s (last seen: {state ?? "absent"})";
                        Step(vm, steps, error);
                    }
                }
            }
            catch (CloudStackJobTimeoutException e)
            {
                jobs.Add(e.JobId);
                status = RestartStatus.TimedOut;
                error = e.Message;
                Step(vm, steps, "timed out: " + e.Message);
            }
            catch (Exception e) when (e is CloudStackException || e is InvalidOperationException)
            {
                if (e is CloudStackJobFailedException failed) jobs.Add(failed.JobId);
                status = e is CloudStackOutcomeUnknownException ? RestartStatus.MayHaveRun : RestartStatus.Failed;
                error = e.Message;
                Step(vm, steps, "failed: " + e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                status = RestartStatus.Failed;
                error = "stopped by the user while " + (steps.Count > 0 ? steps[steps.Count - 1] : "starting");
                Step(vm, steps, error);
            }
            return RestartResult.For(vm, _options.Mode, runId) with
            {
                Status = status, JobIds = jobs, FinalState = finalState, NewVmId = newId, Error = error, Duration = watch.Elapsed, Steps = steps,
            };
        }

        /// <summary>The API calls a mode makes for a VM, in order.</summary>
        public IReadOnlyList<(string Command, IReadOnlyDictionary<string, string> Parameters)> Commands(SystemVm vm)
        {
            bool router = vm.Type == SystemVmType.Router;
            var byId = new Dictionary<string, string> { ["id"] = vm.Id };
            IReadOnlyDictionary<string, string> Forced() => _options.Forced ? new Dictionary<string, string> { ["id"] = vm.Id, ["forced"] = "true" } : byId;
            switch (_options.Mode)
            {
                case RestartMode.Reboot:
                    return new[] { (router ? "rebootRouter" : "rebootSystemVm", Forced()) };
                case RestartMode.StopStart:
                    return new[]
                    {
                        (router ? "stopRouter" : "stopSystemVm", Forced()),
                        (router ? "startRouter" : "startSystemVm", (IReadOnlyDictionary<string, string>)byId),
                    };
                case RestartMode.Recreate:
                    if (!router) return new[] { ("destroySystemVm", (IReadOnlyDictionary<string, string>)byId) };
                    var (command, parameters) = RouterNetwork.Restart(vm, cleanup: true, livePatch: false);
                    return new[] { (command, parameters) };
                default:
                    throw new InvalidOperationException($"{_options.Mode} is not an API restart.");
            }
        }

        /// <summary>
        /// Polls until the VM (or, after Recreate, its replacement) is Running and, for SSVM/CPVM, its agent Up.
        /// Returns whether it got there, the last state seen and the id of the VM that answered.
        /// </summary>
        private async Task<(bool Ok, string? State, string? Id)> WaitUntilBackAsync(SystemVm vm, HashSet<string>? before, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            var delay = _options.PollInterval;
            while (true)
            {
                var seen = await ObserveAsync(vm, before, ct).ConfigureAwait(false);
                var remaining = _options.Timeout - deadline.Elapsed;
                if (seen.Back || remaining <= TimeSpan.Zero) return seen;
                await Task.Delay(delay < remaining ? delay : remaining, ct).ConfigureAwait(false);
                var doubled = TimeSpan.FromTicks(delay.Ticks * 2);
                delay = doubled > _options.MaxPollInterval ? _options.MaxPollInterval : doubled;
            }
        }

        private static bool IsBack(SystemVm vm) =>
            string.Equals(vm.State, "Running", StringComparison.OrdinalIgnoreCase)
            && (vm.Type == SystemVmType.Router || string.Equals(vm.AgentState, "Up", StringComparison.OrdinalIgnoreCase));

        private static string StateOf(SystemVm vm) =>
            vm.Type == SystemVmType.Router ? vm.State ?? "-" : $"{vm.State ?? "-"}/{vm.AgentState ?? "-"}";

        private bool RecreatesSystemVm(SystemVm vm) => _options.Mode == RestartMode.Recreate && vm.Type != SystemVmType.Router;

        private async Task<HashSet<string>> SameKindInZoneAsync(SystemVm vm, CancellationToken ct)
        {
            var query = new Dictionary<string, string>
            {
                ["zoneid"] = vm.ZoneId ?? "",
                ["systemvmtype"] = vm.Type == SystemVmType.CPVM ? "consoleproxy" : "secondarystoragevm",
            };
            var items = await _api.ListAllAsync("listSystemVms", "systemvm", query, ct).ConfigureAwait(false);
            return new HashSet<string>(items.Select(i => SystemVmMapper.FromSystemVm(i, new Dictionary<string, SystemVmMapper.HostInfo>(), _api.Name).Id), StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>
        /// One look at the VM. After Recreate the old id must be gone: for SSVM/CPVM the VMs of its type in the
        /// zone that were not there before (its replacement) must be back; for routers every router of the network
        /// or VPC must be, and there must be one.
        /// </summary>
        private async Task<(bool Back, string? State, string? Id)> ObserveAsync(SystemVm vm, HashSet<string>? before, CancellationToken ct)
        {
            var noHosts = new Dictionary<string, SystemVmMapper.HostInfo>();
            bool recreate = _options.Mode == RestartMode.Recreate;
            List<SystemVm> found;
            if (vm.Type == SystemVmType.Router)
            {
                var query = new Dictionary<string, string> { ["listall"] = "true" };
                if (!recreate) query["id"] = vm.Id;
                else if (!string.IsNullOrEmpty(vm.VpcId)) query["vpcid"] = vm.VpcId!;
                else query["networkid"] = vm.NetworkId ?? "";
                found = (await _api.ListAllAsync("listRouters", "router", query, ct).ConfigureAwait(false))
                    .Select(r => SystemVmMapper.FromRouter(r, noHosts, _api.Name)).ToList();
            }
            else
            {
                var query = new Dictionary<string, string>();
                if (!recreate) query["id"] = vm.Id;
                else
                {
                    query["zoneid"] = vm.ZoneId ?? "";
                    query["systemvmtype"] = vm.Type == SystemVmType.CPVM ? "consoleproxy" : "secondarystoragevm";
                }
                found = (await _api.ListAllAsync("listSystemVms", "systemvm", query, ct).ConfigureAwait(false))
                    .Select(s => SystemVmMapper.FromSystemVm(s, noHosts, _api.Name)).ToList();
            }
            if (!recreate)
            {
                var same = found.FirstOrDefault(f => f.Id == vm.Id);
                return same is null ? (false, null, null) : (IsBack(same), StateOf(same), same.Id);
            }
            if (found.Any(f => f.Id == vm.Id)) return (false, "old VM still present", vm.Id);
            if (before != null)
            {
                found = found.Where(f => !before.Contains(f.Id)).ToList();
                if (found.Count == 0) return (false, "replacement not created yet", null);
            }
            var replacement = found.FirstOrDefault(f => !IsBack(f)) ?? found.FirstOrDefault();
            return replacement is null ? (false, null, null) : (found.All(IsBack), StateOf(replacement), replacement.Id);
        }

        private void Step(SystemVm vm, List<string> steps, string text)
        {
            steps.Add(text);
            _log($"{vm.Name}: {text}");
        }

        private static string Describe(IReadOnlyDictionary<string, string> parameters) =>
            string.Join(" ", parameters.Select(p => p.Key + "=" + p.Value));
    }
}
