using System;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// Before a reboot or stop-start: on KVM every start of a system VM copies its hypervisor host's own vms/ files into
    /// it (LibvirtStartCommandWrapper: FileUtil.scpPatchFiles to /var/cache/cloud, then the VM's boot applies them), so
    /// a VM patched to other scripts than its host holds would come back on the host's. Refused then, with the fix.
    /// </summary>
    public sealed class StartRepatchGuard
    {
        private readonly IVmProber _vms;
        private readonly IHostBundleReader _hosts;

        public StartRepatchGuard(IVmProber vms, IHostBundleReader hosts)
        {
            _vms = vms ?? throw new ArgumentNullException(nameof(vms));
            _hosts = hosts ?? throw new ArgumentNullException(nameof(hosts));
        }

        /// <summary>
        /// Refusal: why the start must not happen; Note: what could not be checked (the restart goes ahead, and the
        /// result says so). Both null: the host holds what the VM runs.
        /// </summary>
        public async Task<(string? Refusal, string? Note)> CheckAsync(SystemVm vm, string restart, CancellationToken ct)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            var files = await _hosts.ReadAsync(vm, ct).ConfigureAwait(false);
            if (files.FromManagementServer) return (null, null);
            string host = files.HostName ?? files.HostAddress ?? "its host";
            if (files.Error != null) return (null, $"not checked what {host} copies into the VM at start: {files.Error}");
            if (files.ScriptsMd5 is null) return (null, $"{host} has no {HostBundleFiles.HostFolder}/cloud-scripts.tgz to copy into the VM at start");
            var probe = await _vms.ProbeAsync(vm, ct).ConfigureAwait(false);
            string? running = probe.Signature?.Trim();
            if (probe.Error != null || string.IsNullOrEmpty(running)) return (null, $"not checked what the VM runs against {host}'s files: {probe.Error ?? "no signature"}");
            if (string.Equals(running, files.ScriptsMd5, StringComparison.OrdinalIgnoreCase)) return (null, null);
            return ($"{restart} refused for {vm.Name}: on KVM every start copies {host}'s own {HostBundleFiles.HostFolder} files into the VM, and {host} holds "
                + $"cloud-scripts.tgz {files.ScriptsMd5} while the VM runs {running}: the restart would replace the VM's scripts (a downgrade when the host's package is older). "
                + $"Fix: upgrade cloudstack-common on {host} first (or live-patch the VM with that host's files); -AllowHostFiles restarts anyway.", null);
        }
    }
}
