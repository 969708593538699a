using System;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// The one format of a rollout's id, shared by live patching and restarts: 12 lowercase hex digits, short
    /// enough to type into Get-PatchHistory -RunId, and safe as a folder name on the VM.
    /// </summary>
    public static class RunId
    {
        public static string New() => Guid.NewGuid().ToString("N").Substring(0, 12);
    }
}
