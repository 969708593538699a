using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using SysVmPatch.Engine.LivePatch;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// A bundle of realistic size: agent.zip holding an agent whose jar is incompressible data of the asked size,
    /// cloud-scripts.tgz replacing two existing scripts, adding one, plus incompressible filler to the asked size.
    /// Built with the real zip and tar tools, like CloudStack's own files.
    /// </summary>
    public sealed class Payload : IDisposable
    {
        public const string Version = "4.19.1.0";

        public Payload(double agentMiB, double scriptsMiB)
        {
            Folder = Path.Combine(Path.GetTempPath(), "svp-bench-bundle-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            string agent = Path.Combine(Folder, "agent-src");
            string scripts = Path.Combine(Folder, "scripts-src");
            Write(Path.Combine(agent, "version"), Version + "\n");
            Write(Path.Combine(agent, "_run.sh"), "#!/bin/bash\n# bench launcher " + Version + "\n");
            Write(Path.Combine(agent, "run.sh"), "#!/bin/bash\n# bench wrapper\n");
            Write(Path.Combine(agent, "conf", "log4j-cloud.xml"), "<configuration/>\n");
            WriteRandom(Path.Combine(agent, "cloud-agent.jar"), (long)(agentMiB * 1024 * 1024));
            const string marker = "# scripts of the benchmark bundle " + Version;
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "get_template_version.sh"), "#!/bin/bash\n" + marker + "\n");
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "ipassoc.sh"), "#!/bin/bash\n" + marker + "\n");
            Write(Path.Combine(scripts, "opt", "cloud", "bin", "new_in_bench.sh"), "#!/bin/bash\n" + marker + "\n");
            WriteRandom(Path.Combine(scripts, "opt", "cloud", "bin", "filler.bin"), (long)(scriptsMiB * 1024 * 1024));
            Run("zip", $"-q -r {Path.Combine(Folder, PatchBundle.AgentFileName)} .", agent);
            Run("tar", $"-czf {Path.Combine(Folder, PatchBundle.ScriptsFileName)} ./opt", scripts);
            Directory.Delete(agent, true);
            Directory.Delete(scripts, true);
            Bundle = PatchBundle.Load(Folder, Version);
        }

        public string Folder { get; }
        public PatchBundle Bundle { get; }
        /// <summary>The file the VM's agent dir must hold afterwards, with content only this bundle has.</summary>
        public const string AgentMarkerFile = "version";

        private static void Write(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        private static void WriteRandom(string path, long bytes)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var f = File.Create(path);
            var buffer = new byte[1 << 20];
            for (long left = bytes; left > 0; left -= buffer.Length)
            {
                RandomNumberGenerator.Fill(buffer);
                f.Write(buffer, 0, (int)Math.Min(left, buffer.Length));
            }
        }

        private static void Run(string file, string args, string cwd)
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = cwd, UseShellExecute = false })!;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed (exit {p.ExitCode}); is it installed?");
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, true); } catch (IOException) { }
        }
    }
}
