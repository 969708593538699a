using System;
using System.Diagnostics;
using System.IO;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Ssh.SshNet;

namespace SysVmPatch.Tests.Ssh.SshNet
{
    /// <summary>The SSH.NET transport's keys against a real sshd: RSA (rsa-sha2), passphrases, OpenSSH user certificates.</summary>
    public sealed class SshNetKeyTests : IClassFixture<SshTransportContract.SshdFixture>
    {
        private const string Phrase = "correct horse 42";
        private readonly SshTransportContract.SshdFixture _fixture;

        public SshNetKeyTests(SshTransportContract.SshdFixture fixture) => _fixture = fixture;

        private string NewKey(string name, string type, string passphrase = "", bool authorize = true)
        {
            string path = Path.Combine(_fixture.Sshd.Directory, name);
            Run("ssh-keygen", "-q", "-t", type, "-N", passphrase, "-f", path);
            if (authorize) File.AppendAllText(Path.Combine(_fixture.Sshd.Directory, "authorized_keys"), File.ReadAllText(path + ".pub"));
            return path;
        }

        private static void Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {err}");
        }

        private static SecureString Secret(string text)
        {
            var s = new SecureString();
            foreach (char c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        private async Task<string> EchoWith(string key, SecureString? passphrase = null)
        {
            using var client = new SshNetClient(new SshNetClientOptions { KeyPassphrase = passphrase });
            using var session = await client.OpenAsync("vm1", _fixture.Sshd.Route(viaJump: true, key: key), CancellationToken.None);
            return (await session.RunAsync(new SshCommand("echo ok"), CancellationToken.None)).Stdout;
        }

        [SshdFact]
        public async Task An_rsa_key_signs_with_sha2()
        {
            // OpenSSH 8.8+ refuses ssh-rsa (SHA-1) signatures by default, so success means rsa-sha2-256/512.
            Assert.Equal("ok\n", await EchoWith(NewKey("rsa_key", "rsa")));
        }

        [SshdFact]
        public async Task A_passphrase_protected_key_needs_its_passphrase_and_never_shows_it()
        {
            string key = NewKey("locked_key", "ed25519", Phrase);
            Assert.Equal("ok\n", await EchoWith(key, Secret(Phrase)));

            var missing = await Assert.ThrowsAsync<SshException>(() => EchoWith(key));
            Assert.Equal(SshErrorKind.AuthenticationFailed, missing.Kind);
            Assert.Contains("passphrase", missing.Message);

            var wrong = await Assert.ThrowsAsync<SshException>(() => EchoWith(key, Secret("not " + Phrase)));
            Assert.Equal(SshErrorKind.AuthenticationFailed, wrong.Kind);
            Assert.DoesNotContain(Phrase, wrong.ToString());
            Assert.DoesNotContain("PRIVATE KEY", wrong.ToString());
        }

        [SshdFact]
        public async Task An_openssh_user_certificate_beside_the_key_is_used()
        {
            string ca = NewKey("user_ca", "ed25519", authorize: false);
            File.AppendAllText(Path.Combine(_fixture.Sshd.Directory, "authorized_keys"), "cert-authority " + File.ReadAllText(ca + ".pub"));
            string key = NewKey("certified_key", "ed25519", authorize: false);
            // Without its certificate the key is not accepted; with key-cert.pub beside it, it is.
            var refused = await Assert.ThrowsAsync<SshException>(() => EchoWith(key));
            Assert.Equal(SshErrorKind.JumpHostFailed, refused.Kind);
            Run("ssh-keygen", "-q", "-s", ca, "-I", "svp-test", "-n", _fixture.Sshd.User, "-V", "-5m:+1h", key + ".pub");
            Assert.True(File.Exists(key + "-cert.pub"));
            Assert.Equal("ok\n", await EchoWith(key));
        }
    }
}
