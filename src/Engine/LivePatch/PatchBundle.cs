using System;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// The payload of a live patch as shipped in /usr/share/cloudstack-common/vms/: agent.zip (SSVM/CPVM only)
    /// and cloud-scripts.tgz (all VMs). The MD5 of cloud-scripts.tgz is the target signature, as CloudStack computes it.
    /// </summary>
    public sealed class PatchBundle
    {
        public const string AgentFileName = "agent.zip";
        public const string ScriptsFileName = "cloud-scripts.tgz";

        public string Folder { get; }
        public string AgentZipPath { get; }
        public string ScriptsPath { get; }
        public string AgentZipMd5 { get; }
        /// <summary>The target scripts signature: MD5 of cloud-scripts.tgz.</summary>
        public string Signature { get; }
        public long AgentZipBytes { get; }
        public long ScriptsBytes { get; }
        /// <summary>Unpacked sizes, for the free-space check: the VM holds the payload, the unpacked agent and the backup.</summary>
        public long AgentZipUnpackedBytes { get; }
        public long ScriptsUnpackedBytes { get; }
        /// <summary>Release the bundle comes from (the management server's version), when known.</summary>
        public string? Version { get; }
        /// <summary>CA certificates and a JRE the bundle folder may also carry, for SSVMs and CPVMs (BundleExtras).</summary>
        public BundleExtras Extras { get; }

        private PatchBundle(string folder, string? version)
        {
            Folder = folder;
            AgentZipPath = Path.Combine(folder, AgentFileName);
            ScriptsPath = Path.Combine(folder, ScriptsFileName);
            bool agentMissing = !File.Exists(AgentZipPath), scriptsMissing = !File.Exists(ScriptsPath);
            if (agentMissing || scriptsMissing)
            {
                string missing = agentMissing && scriptsMissing ? $"{AgentFileName} and {ScriptsFileName} are" : (agentMissing ? AgentFileName : ScriptsFileName) + " is";
                throw new FileNotFoundException($"The patch bundle in '{folder}' is incomplete: {missing} missing (expected as shipped in /usr/share/cloudstack-common/vms/).",
                    agentMissing ? AgentZipPath : ScriptsPath);
            }
            AgentZipMd5 = Md5Of(AgentZipPath);
            Signature = Md5Of(ScriptsPath);
            AgentZipBytes = new FileInfo(AgentZipPath).Length;
            ScriptsBytes = new FileInfo(ScriptsPath).Length;
            AgentZipUnpackedBytes = UnpackedZipSize(AgentZipPath);
            ScriptsUnpackedBytes = UnpackedTgzSize(ScriptsPath);
            Version = version;
            Extras = BundleExtras.Load(folder);
        }

        /// <summary>Reads and fingerprints the bundle in <paramref name="folder"/>; a missing file is named in the error.</summary>
        public static PatchBundle Load(string folder, string? version = null)
        {
            if (string.IsNullOrEmpty(folder)) throw new ArgumentException("A bundle folder is required.", nameof(folder));
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"The patch bundle folder '{folder}' does not exist.");
            return new PatchBundle(Path.GetFullPath(folder), version);
        }

        /// <summary>"9e1f0c2a (4.19.1)" or just the short signature.</summary>
        public string Describe() => Signature.Substring(0, 8) + (Version != null ? $" ({CloudStackVersion.ParseOrNull(Version)?.ToString() ?? Version})" : "");

        internal static string Md5Of(string path)
        {
            using var md5 = MD5.Create();
            using var stream = File.OpenRead(path);
            return Hex(md5.ComputeHash(stream));
        }

        internal static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (byte b in bytes) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        private static long UnpackedZipSize(string path)
        {
            try
            {
                using var zip = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
                long sum = 0;
                foreach (var e in zip.Entries) sum += e.Length;
                return sum;
            }
            catch (InvalidDataException ex) { throw new InvalidDataException($"{path} is not a valid zip archive: {ex.Message}", ex); }
        }

        // Sum of the tar entry sizes inside the gzip: what the scripts occupy once extracted (and backed up).
        private static long UnpackedTgzSize(string path)
        {
            try
            {
                using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
                var header = new byte[512];
                long sum = 0;
                while (ReadFull(gz, header) == 512)
                {
                    if (header[0] == 0) break;
                    string sizeText = Encoding.ASCII.GetString(header, 124, 12).Trim('\0', ' ');
                    long size = sizeText.Length == 0 ? 0 : Convert.ToInt64(sizeText, 8);
                    sum += size + 512;
                    long skip = (size + 511) / 512 * 512;
                    var buffer = new byte[8192];
                    while (skip > 0)
                    {
                        int n = gz.Read(buffer, 0, (int)Math.Min(buffer.Length, skip));
                        if (n <= 0) break;
                        skip -= n;
                    }
                }
                return sum;
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is FormatException)
            {
                throw new InvalidDataException($"{path} is not a valid gzip-compressed tar archive: {ex.Message}", ex);
            }
        }

        internal static int ReadFull(Stream s, byte[] buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = s.Read(buffer, total, buffer.Length - total);
                if (n <= 0) break;
                total += n;
            }
            return total;
        }
    }
}
