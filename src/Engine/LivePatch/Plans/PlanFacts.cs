using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>
    /// Between the engine's plan and its saved form: a <see cref="LivePatchPlan"/> saved with the facts each
    /// decision rested on, and the checks that a saved plan is one the planner itself would have made.
    /// </summary>
    public static class PlanFacts
    {
        /// <summary>The saved form of <paramref name="plan"/>; VMs to patch first, by batch, then the ones settled at planning.</summary>
        /// <param name="plan">The plan as made from the VMs piped in.</param>
        /// <param name="endpointOf">The endpoint each server name pointed at (null: unknown).</param>
        /// <param name="created">When the plan was made.</param>
        /// <param name="createdBy">Who made it (user@machine).</param>
        public static SavedLivePatchPlan Save(LivePatchPlan plan, Func<string, string?> endpointOf, DateTimeOffset created, string createdBy)
        {
            var o = plan.Options;
            var vms = plan.Entries.Where(e => e.Action == LivePatchAction.Patch).OrderBy(e => e.Batch)
                .Concat(plan.Entries.Where(e => e.Action != LivePatchAction.Patch))
                .Select(e => new PlannedVm
                {
                    Id = e.Vm.Id, Name = e.Vm.Name, Type = e.Vm.Type, Server = e.Vm.Server, Zone = e.Vm.ZoneName, HostId = e.Vm.HostId, HostName = e.Vm.HostName,
                    State = e.Vm.State, Release = e.Vm.BestRelease, Signature = e.Vm.BestSignature, SignatureProbed = !string.IsNullOrWhiteSpace(e.Vm.ProbedSignature),
                    RecordedSignature = e.Vm.ScriptsSignature, IsRedundant = e.Vm.IsRedundant, RedundantState = e.Vm.RedundantState,
                    NetworkId = e.Vm.NetworkId, VpcId = e.Vm.VpcId, Action = e.Action, Why = e.Why, Reason = e.Reason, Batch = e.Batch,
                }).ToList();
            var saved = new SavedLivePatchPlan
            {
                Created = created, CreatedBy = createdBy,
                Servers = vms.Select(v => v.Server).Distinct(StringComparer.OrdinalIgnoreCase).Select(s => new PlanServer(s, endpointOf(s))).ToList(),
                Bundle = new PlanBundle(o.Bundle.Folder, o.Bundle.Version, o.Bundle.AgentZipMd5, o.Bundle.Signature) { ExtraFiles = o.Bundle.Extras.Md5Lines() },
                Options = new PlanOptions
                {
                    Method = o.Method, BatchSize = o.Rollout.BatchSize, ThrottleLimit = o.Rollout.ThrottleLimit, MaxFailures = o.Rollout.MaxFailures,
                    DelaySec = (int)o.Rollout.Delay.TotalSeconds, Force = o.Force, PreChecks = o.PreChecks.ToList(), PostChecks = o.PostChecks.ToList(),
                    ReapplyRouterRules = o.ReapplyRouterRules, AgentTimeoutSec = (int)o.AgentTimeout.TotalSeconds,
                },
                Vms = vms, Text = LivePatchPlanText.Lines(plan),
            };
            return saved with { Hash = PlanJson.Hash(saved) };
        }

        /// <summary>The VM as the plan saw it, to plan again from the same facts.</summary>
        internal static SystemVm AsPlanned(PlannedVm v) => new SystemVm
        {
            Id = v.Id, Name = v.Name, Type = v.Type, Server = v.Server, ZoneName = v.Zone, HostId = v.HostId, HostName = v.HostName, State = v.State,
            TemplateVersion = v.Release, ScriptsSignature = v.Signature, IsRedundant = v.IsRedundant, RedundantState = v.RedundantState,
            NetworkId = v.NetworkId, VpcId = v.VpcId,
        };

        /// <summary>An endpoint as a plan may hold it: an absolute http(s) URL with no user, password or query (no secret rides along).</summary>
        internal static string? CheckEndpoint(string? endpoint, string where)
        {
            if (endpoint == null) return null;
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw PlanException.Invalid($"{where} '{endpoint}' is not an http(s) URL.");
            if (uri.UserInfo.Length > 0 || uri.Query.Length > 0)
                throw PlanException.Invalid($"{where} must not carry a user, password or query: a plan holds no secrets.");
            return endpoint;
        }

        /// <summary>Each VM once; a batch for the VMs to patch only, numbered from 1 without gaps, in order, none over the batch size.</summary>
        internal static void CheckBatches(SavedLivePatchPlan plan, string source)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int last = 0;
            var sizes = new Dictionary<int, int>();
            foreach (var (vm, i) in plan.Vms.Select((v, i) => (v, i)))
            {
                string at = $"{source}: vms[{i}] ({vm.Name})";
                if (!seen.Add(vm.Server + "/" + vm.Id)) throw PlanException.Invalid($"{at} names VM {vm.Id} a second time.");
                if (vm.Action != LivePatchAction.Patch)
                {
                    if (vm.Batch != 0) throw PlanException.Invalid($"{at} is not patched ({vm.Action}) but has batch {vm.Batch}.");
                    if (vm.Action == LivePatchAction.Skip && vm.Why == null) throw PlanException.Invalid($"{at} is skipped without a why.");
                    continue;
                }
                if (vm.Batch < 1) throw PlanException.Invalid($"{at} is to be patched but has batch {vm.Batch}.");
                if (vm.Batch < last) throw PlanException.Invalid($"{at} has batch {vm.Batch} after a VM of batch {last}: batches out of order.");
                if (vm.Batch > last + 1) throw PlanException.Invalid($"{at} has batch {vm.Batch} after batch {last}: batch {last + 1} is missing.");
                last = vm.Batch;
                sizes[last] = sizes.TryGetValue(last, out int n) ? n + 1 : 1;
                if (sizes[last] > plan.Options.BatchSize) throw PlanException.Invalid($"{at}: batch {last} holds more than the plan's batch size of {plan.Options.BatchSize}.");
            }
        }

        /// <summary>
        /// The planner, given the plan's own facts and options and the bundle, must make the same decision and batch for
        /// every VM: a file whose decisions or batches were edited by hand is refused, naming the first VM that differs.
        /// </summary>
        internal static void CheckReplanned(SavedLivePatchPlan plan, LivePatchPlan again, string source)
        {
            var fresh = again.Entries.ToDictionary(e => e.Vm.Server + "/" + e.Vm.Id, StringComparer.OrdinalIgnoreCase);
            foreach (var vm in plan.Vms)
            {
                var e = fresh[vm.Server + "/" + vm.Id];
                if (e.Action != vm.Action || e.Batch != vm.Batch || e.Why != vm.Why)
                    throw PlanException.Invalid($"{source}: {vm.Name} is planned as {vm.Action} in batch {vm.Batch}, but its own facts and options give {e.Action}" +
                        (e.Why != null ? $" ({e.Why})" : "") + $" in batch {e.Batch}: the file was edited; make the plan again.");
            }
        }
    }
}
