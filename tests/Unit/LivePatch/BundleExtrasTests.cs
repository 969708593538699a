using System;
using System.IO;
using System.Linq;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.LivePatch.Upload;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>A bundle's ca-certificates/ and jre.tar.gz: read and checked at load, staged for SSVMs and CPVMs only.</summary>
    public sealed class BundleExtrasTests
    {
        [Fact]
        public void A_bundle_without_extras_stages_what_it_did_before()
        {
            using var bundle = new TestBundle();
            Assert.False(bundle.Bundle.Extras.Any);
            var names = Payload.Build(bundle.Bundle, true, "secstorage", Array.Empty<string>(), TimeSpan.FromMinutes(1)).Select(f => f.Name);
            Assert.Equal(new[] { "agent.zip", "cloud-scripts.tgz", "agent.sh", "params", "checksums.md5" }, names);
        }

        [Fact]
        public void Certificates_and_the_jre_are_staged_and_checksummed_for_an_ssvm_and_not_for_a_router()
        {
            using var bundle = new TestBundle(caCertificate: true, jreMarker: "unit jre");
            var extras = bundle.Bundle.Extras;
            var ca = Assert.Single(extras.CaCertificates);
            Assert.Equal("svp-test-ca.crt", ca.Name);
            Assert.StartsWith("CN=SysVmPatch Test CA", ca.Subject);
            Assert.Equal(PatchBundle.Md5Of(Path.Combine(bundle.Folder, "jre.tar.gz")), extras.JreMd5);
            Assert.True(extras.JreUnpackedBytes > extras.JreBytes / 2, "the JRE's unpacked size was not read");

            var ssvm = Payload.Build(bundle.Bundle, true, "secstorage", Array.Empty<string>(), TimeSpan.FromMinutes(1));
            Assert.Contains(ssvm, f => f.Name == "cacert-svp-test-ca.crt" && f.Md5 == ca.Md5);
            Assert.Contains(ssvm, f => f.Name == "jre.tar.gz" && f.Md5 == extras.JreMd5 && f.Length == extras.JreBytes);
            string sums = System.Text.Encoding.ASCII.GetString(ssvm.Last().Bytes!);
            Assert.Contains(ca.Md5 + "  cacert-svp-test-ca.crt", sums);
            Assert.Contains(extras.JreMd5 + "  jre.tar.gz", sums);

            var router = Payload.Build(bundle.Bundle, false, "router", Array.Empty<string>(), TimeSpan.FromMinutes(1));
            Assert.DoesNotContain(router, f => f.Name.StartsWith("cacert-") || f.Name == "jre.tar.gz");
        }

        [Theory]
        [InlineData("half")]
        [InlineData("no-end")]
        [InlineData("garbage")]
        public void A_corrupt_or_truncated_jre_archive_is_refused_when_the_bundle_is_read(string damage)
        {
            using var bundle = new TestBundle(jreMarker: "unit jre");
            string jre = Path.Combine(bundle.Folder, "jre.tar.gz");
            byte[] bytes = File.ReadAllBytes(jre);
            if (damage == "half") File.WriteAllBytes(jre, bytes.Take(bytes.Length / 2).ToArray());
            else if (damage == "garbage") File.WriteAllBytes(jre, bytes.Take(10).Concat(Enumerable.Repeat((byte)0x5a, 4000)).ToArray());
            else
            {
                // A whole gzip stream around a tar cut before its end block: tar itself would read the files, but it is short.
                string tar = Path.Combine(bundle.Folder, "jre.tar");
                JavaTrustFiles.Run("sh", new[] { "-c", $"gzip -dc jre.tar.gz | head -c 2048 > jre.tar && gzip -c jre.tar > jre.tar.gz" }, bundle.Folder);
                File.Delete(tar);
            }

            var ex = Assert.Throws<InvalidDataException>(() => PatchBundle.Load(bundle.Folder));
            Assert.Contains(jre, ex.Message);
            Assert.Matches("corrupt|truncated", ex.Message);
        }

        [Fact]
        public void A_jre_archive_without_bin_java_is_refused()
        {
            using var bundle = new TestBundle();
            JavaTrustFiles.Run("sh", new[] { "-c", "mkdir -p x/lib && echo hi > x/lib/a && tar -czf jre.tar.gz x" }, bundle.Folder);
            var ex = Assert.Throws<InvalidDataException>(() => PatchBundle.Load(bundle.Folder));
            Assert.Contains("no bin/java", ex.Message);
        }

        [Theory]
        [InlineData("bad name.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "the name must end in .crt")]
        [InlineData("ca.pem", "x", "the name must end in .crt")]
        [InlineData("ca.crt", "not a certificate", "is not one PEM certificate")]
        [InlineData("ca.crt", "-----BEGIN CERTIFICATE-----\nTUlJ\n-----END CERTIFICATE-----\n", "does not parse as an X.509 certificate")]
        public void A_bad_ca_certificate_is_refused_with_its_name(string name, string content, string expected)
        {
            using var bundle = new TestBundle();
            string folder = Path.Combine(bundle.Folder, "ca-certificates");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, name), content);
            var ex = Assert.Throws<InvalidDataException>(() => PatchBundle.Load(bundle.Folder));
            Assert.Contains(name, ex.Message);
            Assert.Contains(expected, ex.Message);
        }

        [Fact]
        public void Two_certificates_in_one_file_are_refused()
        {
            using var bundle = new TestBundle();
            string folder = Path.Combine(bundle.Folder, "ca-certificates");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "two.crt"), JavaTrustFiles.CaPem("a") + JavaTrustFiles.CaPem("b"));
            var ex = Assert.Throws<InvalidDataException>(() => PatchBundle.Load(bundle.Folder));
            Assert.Contains("is not one PEM certificate", ex.Message);
        }

        [Fact]
        public void The_agent_script_carries_the_trust_and_jre_steps_and_parses()
        {
            string text = AgentScript.Text;
            foreach (var fn in new[] { "check_java_extras()", "backup_java_extras()", "apply_jre()", "apply_certs()", "validate_java_extras()", "restore_java_extras()" })
                Assert.Contains(fn, text);
            // Defined before the main sequence runs them.
            Assert.True(text.IndexOf("restore_java_extras()", StringComparison.Ordinal) < text.IndexOf("step backup backup", StringComparison.Ordinal));
            Assert.DoesNotContain("cloud.jks", text.Substring(text.IndexOf("check_java_extras()", StringComparison.Ordinal), 200));
            string path = Path.GetTempFileName();
            File.WriteAllText(path, text);
            JavaTrustFiles.Run("bash", new[] { "-n", path }, Path.GetTempPath());
            File.Delete(path);
        }

        // The agent's own check (OnVm/javatrust.sh), run by real bash and tar on this machine: an archive the VM
        // cannot read is refused before the backup, whatever the controller let through.
        [Theory]
        [InlineData("printf 'not gzip at all' > stage/jre.tar.gz", "jre.tar.gz is corrupt or truncated")]
        [InlineData("mkdir -p j/x/bin && echo > j/x/bin/java && tar -czf stage/jre.tar.gz -C j x && head -c 60 stage/jre.tar.gz > t && mv t stage/jre.tar.gz", "jre.tar.gz is corrupt or truncated")]
        [InlineData("mkdir -p j/x/lib && echo > j/x/lib/a && tar -czf stage/jre.tar.gz -C j x", "holds no bin/java")]
        public void The_agents_check_refuses_an_archive_the_vm_cannot_read(string makeArchive, string expected)
        {
            string dir = Path.Combine(Path.GetTempPath(), "svp-check-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Path.Combine(dir, "stage"));
            try
            {
                string script = "set -u\nSTAGE=\"$PWD/stage\"; VM_TYPE=secstorage\n" +
                    "is_agent_vm() { true; }\nbounded() { \"$@\"; }\n" + JavaTrustScript() + "\n" +
                    makeArchive + "\ncheck_java_extras\n";
                File.WriteAllText(Path.Combine(dir, "t.sh"), script);
                var psi = new System.Diagnostics.ProcessStartInfo("bash", "t.sh") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
                using var p = System.Diagnostics.Process.Start(psi)!;
                string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode != 0, "check_java_extras accepted the archive: " + output);
                Assert.Contains(expected, output);
                Assert.Contains("refused before the backup, nothing changed", output);
            }
            finally { Directory.Delete(dir, true); }
        }

        private static string JavaTrustScript()
        {
            using var stream = typeof(PatchBundle).Assembly.GetManifestResourceStream("SysVmPatch.LivePatch.javatrust.sh")!;
            return new StreamReader(stream).ReadToEnd();
        }

        [Fact]
        public async System.Threading.Tasks.Task Method_Api_skips_an_ssvm_whose_bundle_carries_extras_before_calling_cloudstack()
        {
            using var bundle = new TestBundle(caCertificate: true);
            var ssvm = new Engine.Inventory.SystemVm { Id = "1", Name = "s-1-VM", Type = Engine.Inventory.SystemVmType.SSVM, State = "Running", TemplateVersion = "4.18.0", Server = "nowhere" };
            var options = new LivePatchOptions { Bundle = bundle.Bundle, Method = LivePatchMethod.Api, Force = true };

            var results = await new LivePatchService().RunAsync(new[] { ssvm }, options, _ => { }, System.Threading.CancellationToken.None);

            var r = Assert.Single(results);
            Assert.Equal(LivePatchStatus.Skipped, r.Status);
            Assert.Equal("Preflight", r.FailedStep);
            Assert.Contains("only by the SSH agent", r.Error);
            Assert.Contains("svp-test-ca.crt", r.Error);
        }
    }
}
