using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;

namespace SysVmPatch.InProcess.Infrastructure
{
    /// <summary>A folder shaped like /usr/share/cloudstack-common/vms/ (agent.zip, cloud-scripts.tgz), small and real.</summary>
    internal sealed class TinyBundle : IDisposable
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "svp-inproc-bundle-" + Guid.NewGuid().ToString("N"));

        public TinyBundle()
        {
            string agent = Path.Combine(Folder, "agent-src"), scripts = Path.Combine(Folder, "scripts-src", "opt", "cloud", "bin");
            Directory.CreateDirectory(agent);
            Directory.CreateDirectory(scripts);
            File.WriteAllText(Path.Combine(agent, "cloud-agent.jar"), "agent 4.19.1\n");
            File.WriteAllText(Path.Combine(scripts, "ipassoc.sh"), "#!/bin/bash\n# 4.19.1\n");
            ZipFile.CreateFromDirectory(agent, Path.Combine(Folder, "agent.zip"));
            using var tgz = new GZipStream(File.Create(Path.Combine(Folder, "cloud-scripts.tgz")), CompressionLevel.Fastest);
            TarFile.CreateFromDirectory(Path.Combine(Folder, "scripts-src"), tgz, includeBaseDirectory: false);
        }

        public void Dispose()
        {
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        }
    }
}
