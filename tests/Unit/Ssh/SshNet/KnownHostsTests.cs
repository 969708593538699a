using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using SysVmPatch.Engine.Ssh.SshNet;
using SysVmPatch.Tests.Ssh;

namespace SysVmPatch.Tests.Ssh.SshNet
{
    /// <summary>
    /// The known_hosts reader with lines ssh-keygen wrote, and ssh-keygen -F as the oracle for which lines match
    /// a host name (hashed entries, [host]:port, wildcards, negations).
    /// </summary>
    public sealed class KnownHostsTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "svp-kh-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public KnownHostsTests() => Directory.CreateDirectory(_dir);
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private (string Type, string Base64, byte[] Blob) NewKey(string name, string type = "ed25519")
        {
            string path = Path.Combine(_dir, name);
            Run("ssh-keygen", "-q", "-t", type, "-N", "", "-f", path);
            var fields = File.ReadAllText(path + ".pub").Trim().Split(' ');
            return (fields[0], fields[1], Convert.FromBase64String(fields[1]));
        }

        private static string Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0 && file == "ssh-keygen" && args[0] != "-F") throw new InvalidOperationException($"ssh-keygen {string.Join(" ", args)} failed");
            return stdout;
        }

        // Whether OpenSSH's own lookup finds a line for the name in the file.
        private static bool OpenSshFinds(string file, string name) => Run("ssh-keygen", "-F", name, "-f", file).Trim().Length > 0;

        [SshdFact]
        public void A_plain_line_trusts_its_key_on_its_port_only_and_refuses_another_key_as_changed()
        {
            var key = NewKey("h1");
            var other = NewKey("h2");
            var kh = KnownHosts.Parse($"[198.18.1.5]:3922 {key.Type} {key.Base64} root@vm\n");

            Assert.Equal(HostKeyVerdict.Trusted, kh.Check("198.18.1.5", 3922, key.Type, key.Blob));
            Assert.Equal(HostKeyVerdict.Changed, kh.Check("198.18.1.5", 3922, other.Type, other.Blob));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("198.18.1.5", 22, key.Type, key.Blob));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("198.18.1.6", 3922, key.Type, key.Blob));
            // Only an ed25519 key is known: an RSA key is not "changed", it is unknown (and still refused).
            var rsa = NewKey("h3", "rsa");
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("198.18.1.5", 3922, rsa.Type, rsa.Blob));
        }

        [SshdFact]
        public void Hashed_entries_from_ssh_keygen_match_exactly_the_names_they_were_made_for()
        {
            var key = NewKey("h1");
            string file = Path.Combine(_dir, "known_hosts");
            File.WriteAllText(file, $"169.254.3.7 {key.Type} {key.Base64}\n[169.254.3.8]:3922 {key.Type} {key.Base64}\n");
            Run("ssh-keygen", "-q", "-H", "-f", file);
            string hashed = File.ReadAllText(file);
            Assert.DoesNotContain("169.254", hashed);
            var kh = KnownHosts.Load(new[] { file });

            Assert.Equal(2, kh.LineCount);
            Assert.Equal(HostKeyVerdict.Trusted, kh.Check("169.254.3.7", 22, key.Type, key.Blob));
            Assert.Equal(HostKeyVerdict.Trusted, kh.Check("169.254.3.8", 3922, key.Type, key.Blob));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("169.254.3.8", 22, key.Type, key.Blob));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("169.254.3.9", 22, key.Type, key.Blob));
        }

        [SshdFact]
        public void Patterns_match_the_names_openssh_matches()
        {
            var key = NewKey("h1");
            string file = Path.Combine(_dir, "patterns");
            var lines = new[]
            {
                "*.lab.example,!bad.lab.example",
                "10.1.?.1",
                "[10.2.*]:3922",
                "Host-Upper.Example",
                "*",
                "!*.corp,*.corp",
                "[a.b]:2222,[c.d]:*",
            };
            var names = new[]
            {
                "x.lab.example", "bad.lab.example", "lab.example", "10.1.5.1", "10.1.55.1", "[10.2.3.4]:3922", "10.2.3.4",
                "[10.2.3.4]:22", "host-upper.example", "anything", "[anything]:3922", "x.corp", "[a.b]:2222", "[a.b]:2223", "[c.d]:1",
            };
            foreach (var pattern in lines)
            {
                File.WriteAllText(file, $"{pattern} {key.Type} {key.Base64}\n");
                var kh = KnownHosts.Load(new[] { file });
                foreach (var name in names)
                {
                    (string host, int port) = Split(name);
                    bool ours = kh.Check(host, port, key.Type, key.Blob) == HostKeyVerdict.Trusted;
                    Assert.True(OpenSshFinds(file, name) == ours, $"pattern '{pattern}', name '{name}': OpenSSH {(ours ? "does not match" : "matches")}, we {(ours ? "do" : "do not")}");
                }
            }
        }

        private static (string, int) Split(string name)
        {
            if (!name.StartsWith("[")) return (name, 22);
            int close = name.IndexOf(']');
            return (name.Substring(1, close - 1), int.Parse(name.Substring(close + 2)));
        }

        [SshdFact]
        public void A_revoked_key_is_refused_even_where_another_line_trusts_it()
        {
            var key = NewKey("h1");
            var kh = KnownHosts.Parse($"vm1 {key.Type} {key.Base64}\n@revoked * {key.Type} {key.Base64}\n");
            Assert.Equal(HostKeyVerdict.Revoked, kh.Check("vm1", 22, key.Type, key.Blob));
        }

        [SshdFact]
        public void A_certificate_is_trusted_only_from_a_matching_ca_for_its_principal_while_valid()
        {
            var ca = NewKey("ca");
            var otherCa = NewKey("ca2");
            var hostKey = NewKey("h1");
            var kh = KnownHosts.Parse($"@cert-authority *.lab,10.0.0.* {ca.Type} {ca.Base64}\n");
            var now = DateTimeOffset.UtcNow;
            HostCertificate Cert(string caType, byte[] caKey, bool host = true, string principal = "vm1.lab", int fromHours = -1, int toHours = 1) =>
                new HostCertificate(caType, caKey, host, new List<string> { principal }, now.AddHours(fromHours), now.AddHours(toHours));

            Assert.Equal(HostKeyVerdict.Trusted, kh.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob)));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(otherCa.Type, otherCa.Blob)));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob, principal: "vm2.lab")));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob, host: false)));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob, fromHours: -3, toHours: -2)));
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1.other", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob, principal: "vm1.other")));
            // A plain line for the host does not make a certificate from an unknown CA acceptable.
            var both = KnownHosts.Parse($"vm1.lab {hostKey.Type} {hostKey.Base64}\n");
            Assert.Equal(HostKeyVerdict.Unknown, both.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(otherCa.Type, otherCa.Blob)));
            // A revoked CA revokes everything it signed.
            var revoked = KnownHosts.Parse($"@cert-authority *.lab {ca.Type} {ca.Base64}\n@revoked * {ca.Type} {ca.Base64}\n");
            Assert.Equal(HostKeyVerdict.Revoked, revoked.Check("vm1.lab", 22, hostKey.Type, hostKey.Blob, Cert(ca.Type, ca.Blob)));
        }

        [SshdFact]
        public void Unreadable_lines_trust_nothing()
        {
            var key = NewKey("h1");
            string truncated = key.Base64.Substring(0, key.Base64.Length - 8);
            var kh = KnownHosts.Parse(string.Join("\n",
                $"vm1 ssh-rsa {key.Base64}",              // the blob says ssh-ed25519
                $"vm1 {key.Type} {truncated}",             // cut short
                $"vm1 {key.Type} not*base64",
                $"@future vm1 {key.Type} {key.Base64}",    // a marker this reader does not know
                $"|1|c2FsdA==|aGFzaA== {key.Type} {key.Base64}", // a hash of the wrong length
                $",vm1 {key.Type} {key.Base64}",           // an empty pattern
                $"vm1 {key.Type}",
                "# vm1 " + key.Type + " " + key.Base64,
                ""));
            Assert.Equal(0, kh.LineCount);
            Assert.Equal(HostKeyVerdict.Unknown, kh.Check("vm1", 22, key.Type, key.Blob));
        }
    }
}
