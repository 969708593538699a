using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// Reading a patch bundle the way Invoke-LivePatch and New-LivePatchPlan both do, so that a plan made today and the
    /// run it stands for resolve the same version and fail with the same errors.
    /// </summary>
    public abstract partial class SysVmPatchCmdlet
    {
        /// <summary>
        /// The version the bundle is recorded as: <paramref name="targetVersion"/>, else the one release of the VMs'
        /// management servers; anything else ends the cmdlet with the engine's error (AmbiguousTargetVersion, ...).
        /// </summary>
        internal string? ResolveBundleVersion(string? targetVersion, IEnumerable<SystemVm> vms)
        {
            try
            {
                return BundleVersion.Resolve(targetVersion, vms.Select(v => v.Server).Distinct(StringComparer.OrdinalIgnoreCase)
                    .Select(name => (name, (Connections.Find(name) as CloudStackClient)?.ManagementVersion)));
            }
            catch (Engine.Errors.EngineException e) { Fail(e, targetVersion); throw; }
        }

        /// <summary>Reads or fetches a bundle: any failure ends the cmdlet with BundleUnavailable, naming what was <paramref name="given"/>.</summary>
        internal T LoadBundle<T>(Func<T> load, string given)
        {
            try { return load(); }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException || e is SshException || e is SshRouteException || e is ArgumentException)
            {
                Fail(e, "BundleUnavailable", e is FileNotFoundException || e is DirectoryNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError, given);
                throw;
            }
        }
    }
}
