using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Copies the bundle from a management server (/usr/share/cloudstack-common/vms/) over SSH into a local
    /// folder, and proves each file arrived whole by comparing its MD5 with the server's before it is used.
    /// </summary>
    public static class PatchBundleFetcher
    {
        public const string DefaultRemoteFolder = "/usr/share/cloudstack-common/vms";

        /// <summary>Fetches agent.zip and cloud-scripts.tgz from the server at <c>route</c> (its Target: the management server) into <c>localFolder</c>.</summary>
        public static async Task<PatchBundle> FetchAsync(ISshClient ssh, SshRoute route, string localFolder, string? version, CancellationToken cancellationToken, string remoteFolder = DefaultRemoteFolder)
        {
            if (ssh == null) throw new ArgumentNullException(nameof(ssh));
            Directory.CreateDirectory(localFolder);
            using var session = await ssh.OpenAsync(route.Target.Host, route, cancellationToken).ConfigureAwait(false);
            var names = new[] { PatchBundle.AgentFileName, PatchBundle.ScriptsFileName };
            string quotedFolder = OnVm.RemoteCommands.Quote(remoteFolder.TrimEnd('/'));
            var sums = await session.RunAsync(new SshCommand($"cd {quotedFolder} && md5sum {string.Join(" ", names)}"), cancellationToken).ConfigureAwait(false);
            if (sums.ExitCode != 0)
                throw new FileNotFoundException($"{route.Target.Host}: cannot read the bundle in {remoteFolder}: {sums.Stderr.Trim()}");
            var expected = sums.Stdout.Split('\n').Select(l => l.Trim().Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries))
                .Where(p => p.Length == 2).ToDictionary(p => p[1].TrimStart('*', ' '), p => p[0], StringComparer.Ordinal);

            foreach (string name in names)
            {
                string local = Path.Combine(localFolder, name);
                string partial = local + ".partial";
                var r = await session.RunAsync(new SshCommand($"cat {quotedFolder}/{name}")
                {
                    Timeout = TimeSpan.FromMinutes(10),
                    ReadStdout = async (stream, ct) =>
                    {
                        using var file = File.Create(partial);
                        await stream.CopyToAsync(file, 81920, ct).ConfigureAwait(false);
                    },
                }, cancellationToken).ConfigureAwait(false);
                if (r.ExitCode != 0) throw new IOException($"{route.Target.Host}: copying {name} failed: {r.Stderr.Trim()}");
                string got = PatchBundle.Md5Of(partial);
                if (!expected.TryGetValue(name, out var want) || !string.Equals(got, want, StringComparison.OrdinalIgnoreCase))
                {
                    File.Delete(partial);
                    throw new InvalidDataException($"{name} from {route.Target.Host} arrived with MD5 {got}, the server has {want ?? "none"}; not used.");
                }
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
            }
            return PatchBundle.Load(localFolder, version);
        }
    }
}
