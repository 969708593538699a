using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>
    /// Turns a saved plan into the run that applies exactly it, or refuses it whole. Refused, before any VM is touched:
    /// a plan for another management server, a bundle without the planned MD5s, decisions or batches its own facts do
    /// not give (an edited file), a VM its server does not have. Then each VM is read again from CloudStack: one that
    /// drifted (host, state, CloudStack's signature, redundant role) is skipped as <see cref="PatchStep.Drifted"/>
    /// with what changed; the VM's own signature is compared at its preflight, before anything is uploaded.
    /// </summary>
    public static class PlanApplier
    {
        /// <param name="saved">The plan, as read (<see cref="PlanReader"/>) or as made (<see cref="PlanFacts.Save"/>).</param>
        /// <param name="connections">This session's connections; the plan's servers are found among them by name.</param>
        /// <param name="machine">What belongs to the applying machine, not the plan: the SSH route, the API connections.</param>
        /// <param name="source">How the plan is named in messages (its path).</param>
        /// <param name="cancellationToken">Stops the re-read.</param>
        public static async Task<LivePatchPlan> PrepareAsync(SavedLivePatchPlan saved, IReadOnlyList<ICloudStackApi> connections, LivePatchOptions machine,
            string source, CancellationToken cancellationToken)
        {
            if (saved == null) throw new ArgumentNullException(nameof(saved));
            PlanFacts.CheckBatches(saved, source);
            var apis = saved.Servers.Select(s => ServerOf(s, connections, source)).ToList();
            var bundle = BundleOf(saved.Bundle, source);
            var p = saved.Options;
            var options = machine with
            {
                Bundle = bundle, Method = p.Method, Force = p.Force, PreChecks = p.PreChecks, PostChecks = p.PostChecks,
                ReapplyRouterRules = p.ReapplyRouterRules, AgentTimeout = TimeSpan.FromSeconds(p.AgentTimeoutSec), PlanHash = saved.Hash,
                Rollout = new RolloutOptions { BatchSize = p.BatchSize, ThrottleLimit = p.ThrottleLimit, MaxFailures = p.MaxFailures, Delay = TimeSpan.FromSeconds(p.DelaySec) },
                RunId = machine.RunId ?? RunId.New(),
            };
            var again = LivePatchPlanner.Plan(saved.Vms.Select(PlanFacts.AsPlanned).ToList(), bundle, options);
            PlanFacts.CheckReplanned(saved, again, source);

            var read = await InventoryReader.ReadAsync(apis, new InventoryQuery { Ids = saved.Vms.Select(v => v.Id).ToList() }, cancellationToken).ConfigureAwait(false);
            var now = read.GroupBy(Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
            var missing = saved.Vms.Where(v => !now.ContainsKey(v.Server + "/" + v.Id)).ToList();
            if (missing.Count > 0)
                throw PlanException.VmNotFound($"{source} names {string.Join(", ", missing.Select(v => $"{v.Name} (id {v.Id})"))}, which {(missing.Count == 1 ? "its server does" : "their servers do")} not have now; nothing was patched.");

            var planned = saved.Vms.ToDictionary(v => v.Server + "/" + v.Id, StringComparer.OrdinalIgnoreCase);
            var entries = new List<LivePatchPlanEntry>();
            var drifted = new List<string>();
            foreach (var e in again.Entries)
            {
                var was = planned[Key(e.Vm)];
                var vm = WithPlannedProbe(now[Key(e.Vm)], was);
                var drift = e.Action == LivePatchAction.Patch ? VmDrift.Between(was, vm) : null;
                if (drift != null) drifted.Add(vm.Name);
                entries.Add(drift == null ? e with { Vm = vm }
                    : new LivePatchPlanEntry(vm, LivePatchAction.Skip, $"{PatchStep.Drifted}: {drift.Reason}", e.FromVersion, 0) { Why = PatchStep.Drifted, Drift = drift.Kind });
            }
            // The plan's batches, numbered as approved; a drifted VM leaves a gap rather than moving the others up.
            var batches = Enumerable.Range(1, again.BatchCount).Select(b => (IReadOnlyList<RolloutItem<SystemVm>>)entries
                .Where(x => x.Action == LivePatchAction.Patch && x.Batch == b).Select(x => VmRolloutItems.Item(x.Vm)).ToList()).ToList();
            string summary = again.Summary + (drifted.Count == 0 ? "" : $"; {drifted.Count} drifted since the plan, skipped ({string.Join(", ", drifted)})");
            var signatures = saved.Vms.Where(v => v.Action == LivePatchAction.Patch && v.Signature != null)
                .ToDictionary(v => v.Server + "/" + v.Id, v => v.Signature!, StringComparer.OrdinalIgnoreCase);
            return new LivePatchPlan(entries, batches.SelectMany(b => b).ToList(), again.BatchCount, summary)
            {
                Options = options with { PlannedSignatures = signatures }, Batches = batches,
            };
        }

        private static string Key(SystemVm vm) => vm.Server + "/" + vm.Id;

        // What a probe told the plan stays known: CloudStack's record does not carry it.
        private static SystemVm WithPlannedProbe(SystemVm now, PlannedVm was) =>
            was.SignatureProbed ? now with { ProbedSignature = was.Signature, ProbedRelease = was.Release } : now;

        private static ICloudStackApi ServerOf(PlanServer server, IReadOnlyList<ICloudStackApi> connections, string source)
        {
            var api = connections.FirstOrDefault(c => string.Equals(c.Name, server.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw PlanException.OtherServer($"{source} is for the management server '{server.Name}'{(server.Endpoint != null ? $" at {server.Endpoint}" : "")}, and no connection has that name; connect to it under that name.");
            string? now = (api as CloudStackClient)?.Endpoint.AbsoluteUri;
            if (server.Endpoint != null && now != null && !string.Equals(new Uri(server.Endpoint).AbsoluteUri.TrimEnd('/'), now.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                throw PlanException.OtherServer($"{source} was made against '{server.Name}' at {server.Endpoint}, but the connection '{server.Name}' is to {now}: a plan for another management server is refused.");
            return api;
        }

        private static PatchBundle BundleOf(PlanBundle planned, string source)
        {
            PatchBundle bundle;
            try { bundle = PatchBundle.Load(planned.Path, planned.Version); }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                throw PlanException.BundleChanged($"{source}: the bundle the plan was made with cannot be read at {planned.Path} ({e.Message}); nothing was patched.");
            }
            var changed = new List<string>();
            if (!string.Equals(bundle.AgentZipMd5, planned.AgentZipMd5, StringComparison.OrdinalIgnoreCase)) changed.Add($"{PatchBundle.AgentFileName} MD5 {planned.AgentZipMd5} -> {bundle.AgentZipMd5}");
            if (!string.Equals(bundle.Signature, planned.ScriptsMd5, StringComparison.OrdinalIgnoreCase)) changed.Add($"{PatchBundle.ScriptsFileName} MD5 {planned.ScriptsMd5} -> {bundle.Signature}");
            var extras = bundle.Extras.Md5Lines();
            if (!extras.SequenceEqual(planned.ExtraFiles, StringComparer.OrdinalIgnoreCase))
                changed.Add($"CA certificates or JRE [{string.Join("; ", planned.ExtraFiles)}] -> [{string.Join("; ", extras)}]");
            if (changed.Count > 0)
                throw PlanException.BundleChanged($"{source}: the bundle at {planned.Path} is not the one the plan was approved with ({string.Join(", ", changed)}); nothing was patched: make and approve a new plan.");
            return bundle;
        }
    }
}
