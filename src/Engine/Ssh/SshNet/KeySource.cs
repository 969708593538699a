using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;
using Renci.SshNet;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// Private keys for SSH.NET: OpenSSH ed25519, ECDSA and RSA keys, encrypted ones with the run's passphrase, and
    /// an OpenSSH user certificate beside a key ("key-cert.pub", as ssh finds it). Each file is read once per run.
    /// </summary>
    internal sealed class KeySource
    {
        private static readonly string[] DefaultNames = { "id_ed25519", "id_ecdsa", "id_rsa" };
        private readonly SecureString? _passphrase;
        private readonly ConcurrentDictionary<string, Lazy<PrivateKeyFile>> _keys = new ConcurrentDictionary<string, Lazy<PrivateKeyFile>>(StringComparer.Ordinal);

        public KeySource(SecureString? passphrase) => _passphrase = passphrase;

        /// <summary>The key for a hop: its IdentityFile, else the user's default keys that exist.</summary>
        public IPrivateKeySource[] For(SshHop hop)
        {
            IEnumerable<string> files = hop.IdentityFile != null
                ? new[] { hop.IdentityFile }
                : DefaultNames.Select(n => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", n)).Where(File.Exists);
            var keys = files.Select(f => _keys.GetOrAdd(f, path => new Lazy<PrivateKeyFile>(() => Load(path, hop))).Value).ToArray<IPrivateKeySource>();
            if (keys.Length == 0)
                throw new SshException(SshErrorKind.AuthenticationFailed, $"No key for {hop}: give a key file (no id_ed25519, id_ecdsa or id_rsa in ~/.ssh).", hop.ToString()) { Remedy = Errors.EngineOption.KeyFile };
            return keys;
        }

        private PrivateKeyFile Load(string path, SshHop hop)
        {
            if (!File.Exists(path)) throw new SshException(SshErrorKind.AuthenticationFailed, $"The key file {path} for {hop} does not exist.", hop.ToString());
            string? certificate = File.Exists(path + "-cert.pub") ? path + "-cert.pub" : null;
            string? passphrase = Reveal(_passphrase);
            try
            {
                return certificate == null ? new PrivateKeyFile(path, passphrase) : new PrivateKeyFile(path, passphrase, certificate);
            }
            catch (Renci.SshNet.Common.SshPassPhraseNullOrEmptyException)
            {
                throw new SshException(SshErrorKind.AuthenticationFailed, $"The key file {path} is protected by a passphrase: give its passphrase.", hop.ToString()) { Remedy = Errors.EngineOption.KeyPassphrase };
            }
            catch (Exception ex) when (ex is Renci.SshNet.Common.SshException || ex is ArgumentException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException || ex is NotSupportedException)
            {
                // The library's message names the format problem; it never holds key material. A wrong passphrase lands here.
                throw new SshException(SshErrorKind.AuthenticationFailed, $"The key file {path} could not be read ({(passphrase == null ? "" : "wrong passphrase? ")}{ex.GetType().Name}: {ex.Message}).", hop.ToString());
            }
        }

        // SSH.NET takes the passphrase as a string; it exists as one only while the key file is decrypted.
        private static string? Reveal(SecureString? secret)
        {
            if (secret == null || secret.Length == 0) return null;
            IntPtr p = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try { return Marshal.PtrToStringUni(p); }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(p); }
        }
    }
}
