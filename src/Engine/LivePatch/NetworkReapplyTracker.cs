using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>Re-applies a network's router rules once, after the last of its routers in this run ends patched.</summary>
    internal sealed class NetworkReapplyTracker
    {
        private readonly LivePatchOptions _options;
        private readonly Dictionary<string, int> _remaining = new Dictionary<string, int>();
        private readonly HashSet<string> _spoiled = new HashSet<string>();

        public NetworkReapplyTracker(IEnumerable<SystemVm> vms, LivePatchOptions options)
        {
            _options = options;
            if (!options.ReapplyRouterRules) return;
            foreach (var vm in vms)
                if (RouterNetwork.Key(vm) is string key) _remaining[key] = _remaining.TryGetValue(key, out int n) ? n + 1 : 1;
        }

        private readonly HashSet<string> _patched = new HashSet<string>();

        public async Task<LivePatchResult> AfterAsync(SystemVm vm, LivePatchResult result, Action<LivePatchEvent> raise, CancellationToken ct)
        {
            if (!_options.ReapplyRouterRules || !(RouterNetwork.Key(vm) is string key)) return result;
            bool due;
            lock (_remaining)
            {
                if (result.Status == LivePatchStatus.Patched) _patched.Add(key);
                else if (result.Status != LivePatchStatus.AlreadyCurrent) _spoiled.Add(key);
                _remaining[key]--;
                // Once per network, after its last router ends, when one of them changed and none failed.
                due = _remaining[key] == 0 && _patched.Contains(key) && !_spoiled.Contains(key);
            }
            if (!due) return result;
            if (!_options.Apis.TryGetValue(vm.Server, out var api))
                return result with { Warnings = result.Warnings.Concat(new[] { $"rules not re-applied: no API connection named '{vm.Server}'" }).ToArray() };
            try
            {
                string done = await RouterRuleReapplier.ReapplyAsync(vm, api, ct).ConfigureAwait(false);
                raise(new LivePatchEvent(LivePatchEventKind.Step) { VmName = vm.Name, Message = done });
                return result with { Steps = result.Steps.Concat(new[] { done }).ToArray() };
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return result with { Warnings = result.Warnings.Concat(new[] { "patched, but re-applying the rules failed: " + ex.Message }).ToArray() };
            }
        }
    }
}
