using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Copies agent.zip and cloud-scripts.tgz from a management server's /usr/share/cloudstack-common/vms/ over SSH
    /// into a local folder, and keeps them only when their MD5 equals what the management server computes for them:
    /// a half-transferred file is never used. The files stream as raw bytes (agent.zip is tens of MiB), over one
    /// shared connection: md5sum once, then one `cat` per file.
    /// </summary>
    public static class BundleFetcher
    {
        public const string DefaultRemoteFolder = "/usr/share/cloudstack-common/vms";

        /// <summary>Fetches the two files into <c>localFolder</c> and returns it; load it with <see cref="PatchBundle.Load"/>.</summary>
        public static async Task<string> FetchAsync(ISshClient ssh, SshRoute managementServer, string localFolder, CancellationToken cancellationToken, string remoteFolder = DefaultRemoteFolder)
        {
            if (ssh == null) throw new ArgumentNullException(nameof(ssh));
            if (managementServer == null) throw new ArgumentNullException(nameof(managementServer));
            Directory.CreateDirectory(localFolder);
            using var session = await ssh.OpenAsync("management-server", managementServer, cancellationToken).ConfigureAwait(false);
            var names = new[] { PatchBundle.AgentFileName, PatchBundle.ScriptsFileName };
            string folder = RemoteCommands.Quote(remoteFolder.TrimEnd('/'));

            var sums = await session.RunAsync(new SshCommand($"cd {folder} && md5sum {string.Join(" ", names)}"), cancellationToken).ConfigureAwait(false);
            if (!sums.Succeeded)
                throw new IOException($"Could not read the bundle in {remoteFolder} on {managementServer.Target}: {sums.Stderr.Trim()}");
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var parts in sums.Stdout.Split('\n').Select(l => l.Trim().Split(new[] { ' ' }, 2, StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length == 2))
                expected[parts[1].TrimStart('*', ' ')] = parts[0].ToLowerInvariant();

            foreach (var name in names)
            {
                string local = Path.Combine(localFolder, name);
                string partial = local + ".partial";
                var copy = await session.RunAsync(new SshCommand($"cat {folder}/{name}")
                {
                    Timeout = TimeSpan.FromMinutes(10),
                    ReadStdout = async (stream, ct) =>
                    {
                        using var file = File.Create(partial);
                        await stream.CopyToAsync(file, 81920, ct).ConfigureAwait(false);
                    },
                }, cancellationToken).ConfigureAwait(false);
                if (!copy.Succeeded)
                {
                    File.Delete(partial);
                    throw new IOException($"Could not copy {name} from {managementServer.Target}: {copy.Stderr.Trim()}");
                }
                string actual = PatchBundle.Md5Of(partial);
                if (!expected.TryGetValue(name, out var want) || actual != want)
                {
                    File.Delete(partial);
                    throw new IOException($"{name} from {managementServer.Target} has MD5 {actual}, but the server computes {want ?? "nothing"}; not used.");
                }
                if (File.Exists(local)) File.Delete(local);
                File.Move(partial, local);
            }
            return localFolder;
        }
    }
}

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>A bundle fetched from a management server into a private temporary folder, deleted when disposed.</summary>
    public sealed class FetchedBundleFolder : IDisposable
    {
        private FetchedBundleFolder(string path) { Path = path; }

        /// <summary>The local folder holding agent.zip and cloud-scripts.tgz; load it with <see cref="PatchBundle.Load"/>.</summary>
        public string Path { get; }

        /// <summary>
        /// Fetches from <paramref name="managementServer"/> ("host", "user@host", "user@host:port") over
        /// <paramref name="client"/> (the run's transport, chosen by the caller), with the key and known-hosts of <paramref name="ssh"/>.
        /// </summary>
        public static async Task<FetchedBundleFolder> FetchAsync(ISshClient client, string managementServer, SshRouteOptions ssh, Action<string>? verbose, CancellationToken cancellationToken)
        {
            var hop = SshRouteBuilder.ParseHop(managementServer, "root", 22) with { IdentityFile = ssh.JumpIdentityFile ?? ssh.IdentityFile };
            var route = new SshRoute(hop) { KnownHostsFile = ssh.KnownHostsFile, ConnectTimeout = ssh.ConnectTimeout, ExtraOptions = ssh.ExtraOptions };
            var folder = new FetchedBundleFolder(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sysvmpatch-bundle-" + Guid.NewGuid().ToString("N")));
            try
            {
                verbose?.Invoke($"fetching agent.zip and cloud-scripts.tgz from {hop}");
                await BundleFetcher.FetchAsync(client, route, folder.Path, cancellationToken).ConfigureAwait(false);
                return folder;
            }
            catch
            {
                folder.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            try { if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true); }
            catch (IOException) { /* a temporary folder; the system cleans it eventually */ }
        }
    }
}
