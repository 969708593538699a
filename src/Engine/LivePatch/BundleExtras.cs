using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>One CA certificate a bundle adds to an SSVM's or CPVM's trust.</summary>
    public sealed record BundleCaCertificate(string Name, string Path, long Bytes, string Md5, string Subject);

    /// <summary>
    /// What a bundle folder may carry beside agent.zip and cloud-scripts.tgz, for SSVMs and CPVMs only (routers run
    /// no Java agent): <c>ca-certificates/*.crt</c>, PEM CA certificates added to the VM's system trust
    /// (update-ca-certificates) and to the JRE's cacerts keystore; and <c>jre.tar.gz</c>, a JRE that replaces the
    /// one the VM's agent runs on. Both are read and checked here, so a bad file is refused before any VM is touched.
    /// </summary>
    public sealed class BundleExtras
    {
        public const string CaFolderName = "ca-certificates";
        public const string JreFileName = "jre.tar.gz";
        // The on-VM name is also the certificate's file name under /usr/local/share/ca-certificates and its keystore
        // alias: kept to what both take without quoting.
        private static readonly Regex SafeName = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.crt$");

        public IReadOnlyList<BundleCaCertificate> CaCertificates { get; }
        public string? JrePath { get; }
        public string? JreMd5 { get; }
        public long JreBytes { get; }
        public long JreUnpackedBytes { get; }

        public bool Any => CaCertificates.Count > 0 || JrePath != null;

        /// <summary>"md5  ca-certificates/name.crt" per certificate and "md5  jre.tar.gz", as a saved plan records them.</summary>
        public IReadOnlyList<string> Md5Lines()
        {
            var lines = CaCertificates.Select(c => $"{c.Md5}  {CaFolderName}/{c.Name}").ToList();
            if (JrePath != null) lines.Add($"{JreMd5}  {JreFileName}");
            return lines;
        }

        /// <summary>What a VM gets beside agent.zip, for the plan and the preview: "adds 1 CA certificate (x.crt), replaces the JRE (jre.tar.gz 41 MiB)".</summary>
        public string Describe()
        {
            var parts = new List<string>();
            if (CaCertificates.Count > 0)
                parts.Add($"adds {CaCertificates.Count} CA certificate{(CaCertificates.Count == 1 ? "" : "s")} ({string.Join(", ", CaCertificates.Select(c => c.Name))})");
            if (JrePath != null) parts.Add($"replaces the JRE ({JreFileName}, {PreflightDecision.Mib(JreBytes)} MiB)");
            return string.Join(", ", parts);
        }
        public long StagedBytes => CaCertificates.Sum(c => c.Bytes) + JreBytes;

        private BundleExtras(IReadOnlyList<BundleCaCertificate> certs, string? jre)
        {
            CaCertificates = certs;
            if (jre == null) return;
            JrePath = jre;
            JreBytes = new FileInfo(jre).Length;
            JreMd5 = PatchBundle.Md5Of(jre);
            JreUnpackedBytes = CheckJre(jre);
        }

        internal static BundleExtras Load(string folder)
        {
            string caFolder = System.IO.Path.Combine(folder, CaFolderName);
            var certs = new List<BundleCaCertificate>();
            if (Directory.Exists(caFolder))
            {
                foreach (string path in Directory.GetFiles(caFolder).OrderBy(p => p, StringComparer.Ordinal))
                    certs.Add(ReadCertificate(path));
                if (certs.Count == 0) throw new InvalidDataException($"The bundle's {CaFolderName} folder '{caFolder}' holds no certificate; remove it or add PEM files named *.crt.");
            }
            string jre = System.IO.Path.Combine(folder, JreFileName);
            return new BundleExtras(certs, File.Exists(jre) ? jre : null);
        }

        private static BundleCaCertificate ReadCertificate(string path)
        {
            string name = System.IO.Path.GetFileName(path);
            if (!SafeName.IsMatch(name))
                throw new InvalidDataException($"CA certificate '{path}': the name must end in .crt and use only letters, digits, '.', '_' and '-' (at most 64 characters before .crt), as update-ca-certificates reads *.crt only.");
            byte[] bytes = File.ReadAllBytes(path);
            string text = Encoding.ASCII.GetString(bytes);
            const string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
            int from = text.IndexOf(begin, StringComparison.Ordinal), to = text.IndexOf(end, StringComparison.Ordinal);
            if (from < 0 || to < from || text.IndexOf(begin, from + begin.Length, StringComparison.Ordinal) >= 0)
                throw new InvalidDataException($"CA certificate '{path}' is not one PEM certificate (one {begin} ... {end} block), as update-ca-certificates expects.");
            try
            {
                string body = text.Substring(from + begin.Length, to - from - begin.Length);
                var cert = new X509Certificate2(Convert.FromBase64String(Regex.Replace(body, @"\s", "")));
                return new BundleCaCertificate(name, path, bytes.Length, PatchBundle.Md5Of(path), cert.Subject);
            }
            catch (Exception ex) when (ex is FormatException || ex is CryptographicException)
            {
                throw new InvalidDataException($"CA certificate '{path}' does not parse as an X.509 certificate: {ex.Message}", ex);
            }
        }

        // Reads the whole archive: a truncated or corrupt one fails here, before any VM is touched. It must end with
        // tar's end-of-archive block and hold bin/java at its top or in its one top folder (what the agent runs).
        private static long CheckJre(string path)
        {
            long sum = 0;
            bool sawEnd = false, sawJava = false;
            try
            {
                using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
                var header = new byte[512];
                var buffer = new byte[65536];
                while (true)
                {
                    int got = PatchBundle.ReadFull(gz, header);
                    if (got == 0) break;
                    if (got < 512) throw new InvalidDataException("it ends inside a tar header");
                    if (header.All(b => b == 0)) { sawEnd = true; break; }
                    string name = Encoding.ASCII.GetString(header, 0, 100).TrimEnd('\0');
                    string prefix = Encoding.ASCII.GetString(header, 345, 155).TrimEnd('\0');
                    if (prefix.Length > 0) name = prefix + "/" + name;
                    name = name.StartsWith("./", StringComparison.Ordinal) ? name.Substring(2) : name;
                    if (Regex.IsMatch(name, @"^([^/]+/)?bin/java$")) sawJava = true;
                    string sizeText = Encoding.ASCII.GetString(header, 124, 12).Trim('\0', ' ');
                    long size = sizeText.Length == 0 ? 0 : Convert.ToInt64(sizeText, 8);
                    sum += size + 512;
                    long skip = (size + 511) / 512 * 512;
                    while (skip > 0)
                    {
                        int n = gz.Read(buffer, 0, (int)Math.Min(buffer.Length, skip));
                        if (n <= 0) throw new InvalidDataException("it ends inside a file's content");
                        skip -= n;
                    }
                }
                // Whatever follows the end block must still decompress: a cut gzip stream throws here.
                while (gz.Read(buffer, 0, buffer.Length) > 0) { }
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is FormatException || ex is IOException)
            {
                throw new InvalidDataException($"The JRE archive '{path}' is corrupt or truncated ({ex.Message}); refused before anything was uploaded.", ex);
            }
            if (!sawEnd) throw new InvalidDataException($"The JRE archive '{path}' is truncated (no end-of-archive block); refused before anything was uploaded.");
            if (!sawJava) throw new InvalidDataException($"The JRE archive '{path}' holds no bin/java at its top or in its one top folder; refused.");
            return sum;
        }
    }
}
