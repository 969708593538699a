using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// A bundle shaped like /usr/share/cloudstack-common/vms/: agent.zip with a new agent, cloud-scripts.tgz that
    /// replaces existing scripts and adds one, built with the real zip and tar tools.
    /// </summary>
    internal sealed class TestBundle : IDisposable
    {
        public string Folder { get; }
        public PatchBundle Bundle { get; }
        public const string NewScriptMarker = "# scripts of the test bundle 4.19.1";

        /// <summary>The CA certificate's PEM when the bundle carries one (caCertificate), else null.</summary>
        public string? CaPem { get; }

        public TestBundle(int extraScriptsBytes = 0, string version = "4.19.1.0", bool withNewFolder = false, bool caCertificate = false, string? jreMarker = null)
        {
            Folder = Path.Combine(Path.GetTempPath(), "svp-bundle-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            string agent = Path.Combine(Folder, "agent-src");
            string scripts = Path.Combine(Folder, "scripts-src");
            Write(Path.Combine(agent, "cloud-agent.jar"), "new agent jar 4.19.1\n");
            Write(Path.Combine(agent, "version"), "4.19.1.0\n");
            Write(Path.Combine(agent, "_run.sh"), "#!/bin/bash\n# new launcher\n");
            Write(Path.Combine(agent, "run.sh"), "#!/bin/bash\n# new wrapper\n");
            Write(Path.Combine(agent, "conf", "agent.properties"), "# shipped default, must not replace the VM's own\n");
            Write(Path.Combine(agent, "conf", "log4j-cloud.xml"), "<configuration/>\n");
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "get_template_version.sh"), "#!/bin/bash\n" + NewScriptMarker + "\n");
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "ipassoc.sh"), "#!/bin/bash\n" + NewScriptMarker + "\n");
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "new_in_4191.sh"), "#!/bin/bash\n" + NewScriptMarker + "\n");
            // A folder the VM does not have: a rollback must remove it again.
            if (withNewFolder) Write(Path.Combine(scripts, "opt", "cloud", "new_in_4191", "deep", "helper.sh"), "#!/bin/bash\n" + NewScriptMarker + "\n");
            if (extraScriptsBytes > 0)
                File.WriteAllBytes(Path.Combine(scripts, "opt", "cloud", "bin", "big.bin"), RandomNumberGenerator.GetBytes(extraScriptsBytes));
            Run("zip", $"-qr {Path.Combine(Folder, "agent.zip")} .", agent);
            Run("tar", $"-czf {Path.Combine(Folder, "cloud-scripts.tgz")} ./opt", scripts);
            if (caCertificate)
            {
                CaPem = JavaTrustFiles.CaPem("SysVmPatch Test CA " + Guid.NewGuid().ToString("N").Substring(0, 6));
                Write(Path.Combine(Folder, BundleExtras.CaFolderName, "svp-test-ca.crt"), CaPem);
            }
            if (jreMarker != null) JavaTrustFiles.WriteJre(Folder, jreMarker);
            Bundle = PatchBundle.Load(Folder, version);
        }

        private static void Write(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        private static void Run(string file, string args, string cwd)
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = cwd, UseShellExecute = false })!;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed");
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, true); } catch (IOException) { }
        }
    }
}
