using System;
using System.IO;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// The target scripts signature of a patch bundle: the MD5 of its cloud-scripts.tgz, exactly what CloudStack
    /// compares with /var/cache/cloud/cloud-scripts-signature to decide whether a VM needs patching.
    /// </summary>
    public static class BundleSignature
    {
        public const string ScriptsFileName = LivePatch.PatchBundle.ScriptsFileName;

        /// <summary>MD5 (lowercase hex) of <paramref name="bundlePath"/>/cloud-scripts.tgz; a clear error names what is missing.</summary>
        public static string Read(string bundlePath)
        {
            if (string.IsNullOrWhiteSpace(bundlePath)) throw new ArgumentException("No bundle path given.", nameof(bundlePath));
            if (!Directory.Exists(bundlePath))
                throw new DirectoryNotFoundException($"The bundle folder '{bundlePath}' does not exist; give the folder holding agent.zip and cloud-scripts.tgz (on a management server: /usr/share/cloudstack-common/vms).");
            string scripts = Path.Combine(bundlePath, ScriptsFileName);
            if (!File.Exists(scripts))
                throw new FileNotFoundException($"The bundle folder '{bundlePath}' has no {ScriptsFileName}.", scripts);
            return LivePatch.PatchBundle.Md5Of(scripts);
        }

        /// <summary>MD5 of the bundle's agent.zip, or null when it has none.</summary>
        public static string? AgentZipMd5(string bundlePath)
        {
            string agent = Path.Combine(bundlePath, LivePatch.PatchBundle.AgentFileName);
            return File.Exists(agent) ? LivePatch.PatchBundle.Md5Of(agent) : null;
        }
    }
}
