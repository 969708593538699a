using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Copies agent.zip and cloud-scripts.tgz from a management server's /usr/share/cloudstack-common/vms/ over SSH
    /// into a local folder, and keeps them only when their MD5 equals what the management server computes for them:
    /// a half-transferred file is never used.
    /// </summary>
    public static class BundleFetcher
    {
        public const string DefaultRemoteFolder = "/usr/share/cloudstack-common/vms";

        public static async Task<string> FetchAsync(ISshClient ssh, SshRoute managementServer, string localFolder, CancellationToken cancellationToken, string remoteFolder = DefaultRemoteFolder)
        {
            Directory.CreateDirectory(localFolder);
            using var session = await ssh.OpenAsync("management-server", managementServer, cancellationToken).ConfigureAwait(false);
            foreach (var name in new[] { PatchBundle.AgentFileName, PatchBundle.ScriptsFileName })
            {
                string remote = remoteFolder.TrimEnd('/') + "/" + name;
                // base64 keeps the binary intact through the text channel; md5sum is the server's own fingerprint.
                var result = await session.RunAsync(new SshCommand($"md5sum '{remote}' && base64 -w0 '{remote}'") { Timeout = TimeSpan.FromMinutes(10) }, cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded)
                    throw new IOException($"Could not read {remote} on {managementServer.Target}: {result.Stderr.Trim()}");
                var lines = result.Stdout.Split(new[] { '\n' }, 2);
                if (lines.Length < 2) throw new IOException($"{remote} on {managementServer.Target} gave no content.");
                string expected = lines[0].Split(' ')[0].Trim().ToLowerInvariant();
                byte[] bytes;
                try { bytes = Convert.FromBase64String(lines[1].Trim()); }
                catch (FormatException e) { throw new IOException($"{remote} on {managementServer.Target} arrived damaged: {e.Message}", e); }
                string local = Path.Combine(localFolder, name);
                string partial = local + ".partial";
                File.WriteAllBytes(partial, bytes);
                string actual = PatchBundle.Md5Of(partial);
                if (actual != expected)
                {
                    File.Delete(partial);
                    throw new IOException($"{name} from {managementServer.Target} has MD5 {actual}, but the server computes {expected}; not used.");
                }
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
            }
            return localFolder;
        }
    }
}
