using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// What a bundle's ca-certificates/ and jre.tar.gz hold in the tests: a fresh self-signed CA in PEM, and a small
    /// JRE (bin/java and bin/keytool hand over to the machine's real ones, a cacerts keystore of its own) built with
    /// the real tar, so the agent runs real java, keytool and update-ca-certificates on the lab VM.
    /// </summary>
    internal static class JavaTrustFiles
    {
        /// <summary>The machine's real JRE folder (java on PATH, resolved), which the lab JRE hands over to.</summary>
        public static string RealJavaHome()
        {
            string java = Path.GetFullPath(new FileInfo("/usr/bin/java").ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? "/usr/bin/java");
            return Path.GetDirectoryName(Path.GetDirectoryName(java)!)!;
        }

        /// <summary>A self-signed CA certificate, PEM, with <paramref name="commonName"/>.</summary>
        public static string CaPem(string commonName)
        {
            using var key = RSA.Create(2048);
            var req = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            return cert.ExportCertificatePem() + "\n";
        }

        /// <summary>The shell that lays out a lab JRE in <paramref name="home"/> marked with <paramref name="marker"/>.</summary>
        public static string JreLayoutScript(string home, string marker)
        {
            string real = RealJavaHome();
            return $"set -e; mkdir -p '{home}/bin' '{home}/lib/security'; " +
                   $"printf '#!/bin/sh\\n# {marker}\\nexec {real}/bin/java \"$@\"\\n' > '{home}/bin/java'; " +
                   $"printf '#!/bin/sh\\n# {marker}\\nexec {real}/bin/keytool \"$@\"\\n' > '{home}/bin/keytool'; " +
                   $"chmod 755 '{home}/bin/java' '{home}/bin/keytool'; printf '{marker}\\n' > '{home}/release'; " +
                   $"cp /etc/ssl/certs/java/cacerts '{home}/lib/security/cacerts'";
        }

        /// <summary>Builds jre.tar.gz in <paramref name="bundleFolder"/> holding a lab JRE in one top folder.</summary>
        public static void WriteJre(string bundleFolder, string marker)
        {
            string src = Path.Combine(bundleFolder, "jre-src");
            Run("sh", new[] { "-c", JreLayoutScript(Path.Combine(src, "jre-17-lab"), marker) }, bundleFolder);
            Run("tar", new[] { "-czf", Path.Combine(bundleFolder, "jre.tar.gz"), "jre-17-lab" }, src);
            Directory.Delete(src, true);
        }

        public static void Run(string file, string[] args, string cwd)
        {
            var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(" ", args)} failed");
        }
    }
}
