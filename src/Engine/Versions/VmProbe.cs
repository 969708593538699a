using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// What a VM itself says over SSH: the /etc/cloudstack-release line, /var/cache/cloud/cloud-scripts-signature,
    /// whether /var/cache/cloud/boot_up_done exists, and the outcome a live patch left there, if any.
    /// </summary>
    public sealed record VmProbe(string? ReleaseLine, string? Signature, bool BootFinished)
    {
        /// <summary>Why the probe failed (unreachable, host key, ...); the other fields are then empty.</summary>
        public string? Error { get; init; }
        /// <summary>The last live patch's outcome found on the VM (e.g. "Patched run 7c2e... at ..."), if any.</summary>
        public string? LastPatchOutcome { get; init; }
        /// <summary>
        /// Set when a live patch could not put the VM back (RollbackFailed) and marked it on the VM: what happened and
        /// where the backup is kept. Invoke-LivePatch refuses the VM until the mark is cleared.
        /// </summary>
        public string? NeedsAttention { get; init; }

        /// <summary>The setting that would fix a failed probe, when its error names one (a key file, a jump host).</summary>
        public Errors.EngineOption? Remedy { get; init; }

        public static VmProbe Failed(string error, Errors.EngineOption? remedy = null) => new VmProbe(null, null, false) { Error = error, Remedy = remedy };
    }

    /// <summary>Reads a <see cref="VmProbe"/> from a VM; the SSH implementation lives with the transport.</summary>
    public interface IVmProber
    {
        Task<VmProbe> ProbeAsync(SystemVm vm, CancellationToken cancellationToken);
    }
}
