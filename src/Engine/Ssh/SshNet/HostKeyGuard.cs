using System;
using System.Linq;
using Renci.SshNet.Common;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// Decides SSH.NET's HostKeyReceived for one hop against known_hosts, under the hop's real name (a VM reached
    /// through a local forward is still checked as its own address and port). SSH.NET trusts every key unless told
    /// otherwise, so this refuses anything known_hosts does not vouch for; only with StrictHostKeyChecking off is an
    /// unknown (never a changed or revoked) key accepted, and then it is reported.
    /// </summary>
    internal sealed class HostKeyGuard
    {
        private readonly KnownHosts _knownHosts;
        private readonly SshHop _hop;
        private readonly bool _strict;
        private readonly Action<string>? _warn;

        public HostKeyGuard(KnownHosts knownHosts, SshHop hop, bool strict, Action<string>? warn)
        {
            _knownHosts = knownHosts;
            _hop = hop;
            _strict = strict;
            _warn = warn;
        }

        /// <summary>The verdict of the last key the server presented; null until one arrives.</summary>
        public HostKeyVerdict? Verdict { get; private set; }
        public string? KeyDescription { get; private set; }

        public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
        {
            string keyType = KnownHostsLine.BlobType(e.HostKey) ?? e.HostKeyName;
            HostCertificate? certificate = null;
            if (e.Certificate != null)
            {
                var c = e.Certificate;
                certificate = new HostCertificate(KnownHostsLine.BlobType(c.CertificateAuthorityKey) ?? "", c.CertificateAuthorityKey,
                    c.Type == Renci.SshNet.Security.Certificate.CertificateType.Host, c.ValidPrincipals.ToList(), c.ValidAfter, c.ValidBefore);
            }
            var verdict = _knownHosts.Check(_hop.Host, _hop.Port, keyType, e.HostKey, certificate);
            Verdict = verdict;
            KeyDescription = $"{e.HostKeyName} SHA256:{e.FingerPrintSHA256}";
            if (verdict == HostKeyVerdict.Unknown && !_strict)
            {
                _warn?.Invoke($"Accepting the UNKNOWN host key {KeyDescription} of {_hop.Host}:{_hop.Port} because strict host key checking is off; add it to known_hosts to check it next time.");
                e.CanTrust = true;
                return;
            }
            e.CanTrust = verdict == HostKeyVerdict.Trusted;
        }

        public SshException Refusal(string vmName, string where) => new SshException(SshErrorKind.HostKeyVerificationFailed,
            $"{vmName}: {SshErrorClassifier.Describe(SshErrorKind.HostKeyVerificationFailed)} on {where} (the key {KeyDescription} of {_hop.Host}:{_hop.Port} is {Verdict switch { HostKeyVerdict.Changed => "CHANGED: REMOTE HOST IDENTIFICATION HAS CHANGED", HostKeyVerdict.Revoked => "REVOKED", _ => "not in known_hosts" }})",
            _hop.ToString());
    }
}
