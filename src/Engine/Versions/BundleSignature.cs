using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// The target scripts signature of a patch bundle: the MD5 of its cloud-scripts.tgz, exactly what CloudStack
    /// compares with /var/cache/cloud/cloud-scripts-signature to decide whether a VM needs patching.
    /// </summary>
    public static class BundleSignature
    {
        public const string ScriptsFileName = "cloud-scripts.tgz";
        public const string AgentFileName = "agent.zip";

        /// <summary>MD5 (lowercase hex) of <paramref name="bundlePath"/>/cloud-scripts.tgz; a clear error names what is missing.</summary>
        public static string Read(string bundlePath)
        {
            if (string.IsNullOrWhiteSpace(bundlePath)) throw new ArgumentException("No bundle path given.", nameof(bundlePath));
            if (!Directory.Exists(bundlePath))
                throw new DirectoryNotFoundException($"The bundle folder '{bundlePath}' does not exist; give the folder holding agent.zip and cloud-scripts.tgz (on a management server: /usr/share/cloudstack-common/vms).");
            string scripts = Path.Combine(bundlePath, ScriptsFileName);
            if (!File.Exists(scripts))
                throw new FileNotFoundException($"The bundle folder '{bundlePath}' has no {ScriptsFileName}.", scripts);
            return Md5OfFile(scripts);
        }

        public static string Md5OfFile(string path)
        {
            using var md5 = MD5.Create();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return ToHex(md5.ComputeHash(stream));
        }

        internal static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }
}
