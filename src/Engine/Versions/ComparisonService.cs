using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// Compares many VMs at once: resolves the target once per management server, probes VMs concurrently
    /// (bounded), and returns the comparisons in input order.
    /// </summary>
    public static class ComparisonService
    {
        public static async Task<IReadOnlyList<VersionComparison>> CompareAsync(
            IReadOnlyList<SystemVm> vms, ComparisonRequest request, Func<string, ICloudStackApi?> serverByName, CancellationToken cancellationToken)
        {
            if (vms is null) throw new ArgumentNullException(nameof(vms));
            if (request is null) throw new ArgumentNullException(nameof(request));
            string? signature = request.BundlePath is null ? null : BundleSignature.Read(request.BundlePath);
            string? agentZipMd5 = request.BundlePath is null ? null : BundleSignature.AgentZipMd5(request.BundlePath);
            string source = request.BundlePath is null ? "" : $"bundle {request.BundlePath}";
            CloudStackVersion? fixedVersion = request.TargetVersion is null ? null : CloudStackVersion.Parse(request.TargetVersion);

            var targets = new ConcurrentDictionary<string, Lazy<Task<VersionTarget>>>(StringComparer.OrdinalIgnoreCase);
            Task<VersionTarget> TargetFor(SystemVm vm) => targets.GetOrAdd(vm.Server, server => new Lazy<Task<VersionTarget>>(async () =>
            {
                if (fixedVersion != null) return new VersionTarget(fixedVersion, signature, Join(source, "the target version given"));
                var api = serverByName(server);
                if (api is null)
                    return signature != null
                        ? new VersionTarget(null, signature, source)
                        : throw Errors.TargetVersionException.Unavailable($"VM {vm.Name} came from '{server}', which is not connected; connect to it, or name the target version or a bundle.");
                string text = await api.GetManagementVersionAsync(cancellationToken).ConfigureAwait(false);
                return new VersionTarget(CloudStackVersion.ParseOrNull(text), signature, Join(source, $"management server {server} {text}"));
            })).Value;

            using var gate = new SemaphoreSlim(Math.Max(1, request.ThrottleLimit));
            int probed = 0;
            var tasks = vms.Select(async vm =>
            {
                var target = await TargetFor(vm).ConfigureAwait(false);
                VmProbe? probe = null;
                if (request.Prober != null)
                {
                    await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        request.Verbose?.Invoke($"{vm.Name}: probing over SSH");
                        probe = await request.Prober.ProbeAsync(vm, cancellationToken).ConfigureAwait(false);
                        request.Verbose?.Invoke($"{vm.Name}: " + Describe(probe));
                    }
                    finally { gate.Release(); }
                    request.Progress?.Invoke(new ComparisonProgress(Interlocked.Increment(ref probed), vms.Count, vm.Name));
                }
                var comparison = VersionComparer.Compare(vm, target, probe);
                if (probe != null && probe.Error is null) comparison.AttachRecords(Reconcile.RecordsTruth.Of(vm, probe.ReleaseLine, probe.Signature));
                if (probe != null && request.HostFiles != null)
                    comparison.AttachHost(await request.HostFiles.ReadAsync(vm, cancellationToken).ConfigureAwait(false), target.Signature, agentZipMd5);
                return comparison;
            }).ToList();
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }

        private static string Describe(VmProbe probe) => probe.Error != null
            ? "probe failed: " + probe.Error
            : $"release '{probe.ReleaseLine?.Trim()}', scripts {probe.Signature ?? "unknown"}, boot {(probe.BootFinished ? "finished" : "not finished")}";

        private static string Join(string a, string b) => a.Length == 0 ? b : a + ", " + b;
    }
}
