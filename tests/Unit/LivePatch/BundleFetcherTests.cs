using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Tests.Ssh;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>Fetching the bundle from a "management server" (a loopback sshd) over SSH.</summary>
    public sealed class BundleFetcherTests
    {
        [SshdFact]
        public Task The_bundle_is_copied_byte_for_byte_and_fingerprinted_like_the_original() => CopiedByteForByteAsync(new OpenSshClient());

        [SshdFact]
        public Task The_bundle_is_copied_byte_for_byte_over_SshNet_too() => CopiedByteForByteAsync(new SysVmPatch.Engine.Ssh.SshNet.SshNetClient());

        // Invoke-LivePatch -FromManagementServer fetches over the run's transport, so both must bring the same bytes.
        private static async Task CopiedByteForByteAsync(ISshClient transport)
        {
            using var sshd = new LocalSshd();
            using var original = new TestBundle(extraScriptsBytes: 2 * 1024 * 1024);
            string local = Path.Combine(sshd.Directory, "fetched");
            using var client = transport;

            var fetched = PatchBundle.Load(await BundleFetcher.FetchAsync(client, sshd.Route(viaJump: true), local, CancellationToken.None, remoteFolder: original.Folder), "4.19.1.0");

            Assert.Equal(original.Bundle.Signature, fetched.Signature);
            Assert.Equal(original.Bundle.AgentZipMd5, fetched.AgentZipMd5);
            Assert.Equal(File.ReadAllBytes(original.Bundle.ScriptsPath), File.ReadAllBytes(fetched.ScriptsPath));
            Assert.Equal("4.19.1.0", fetched.Version);
            Assert.Equal(1, client.ConnectionsOpened);
        }

        [SshdFact]
        public async Task A_server_without_the_bundle_is_an_error_that_names_the_folder()
        {
            using var sshd = new LocalSshd();
            using var client = new OpenSshClient();
            var ex = await Assert.ThrowsAsync<IOException>(() =>
                BundleFetcher.FetchAsync(client, sshd.Route(), Path.Combine(sshd.Directory, "x"), CancellationToken.None, remoteFolder: "/nonexistent/vms"));
            Assert.Contains("/nonexistent/vms", ex.Message);
        }
    }
}
