using System.IO;
using System.Linq;
using System.Threading.Tasks;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Tests.Infrastructure;
using SysVmPatch.Tests.NamespaceLab;
using SysVmPatch.TestWorld.NamespaceLab;
using Xunit.Abstractions;
using static SysVmPatch.Tests.LivePatch.LabPatching;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// A bundle's CA certificates and JRE on an SSVM of the namespace lab, with the VM's real update-ca-certificates,
    /// keytool and java: trusted after a patch, restored byte for byte by a rollback, a bad archive refused.
    /// </summary>
    [Collection(LabCollection.Name)]
    public sealed class LivePatchJavaTrustLabTests
    {
        private const string Vm = "s-1-VM";
        private const string LabJre = "/usr/lib/jvm/svp-lab-jre";
        private const string TrustAndJre = "etc/ssl/certs usr/local/share/ca-certificates usr/lib/jvm/svp-lab-jre";
        private readonly ITestOutputHelper _output;
        public LivePatchJavaTrustLabTests(ITestOutputHelper output) { _output = output; }

        // The VM's agent runs on a small JRE of its own (java on PATH resolves there), with its own cacerts keystore.
        private static async Task<Lab> StartAsync()
        {
            var lab = await Lab.StartAsync(LivePatchRolloutLabTests.SmallLab());
            await Exec(lab, JavaTrustFiles.JreLayoutScript(LabJre, "old lab jre") + $"; ln -sf {LabJre}/bin/java /usr/local/bin/java");
            return lab;
        }

        private static async Task<string> Exec(Lab lab, string command)
        {
            var (code, output) = await lab.ExecInVmAsync(Vm, command);
            Assert.True(code == 0, $"{command} exited {code}: {output}");
            return output;
        }

        // Every file's MD5 and every link's target under the trust folders and the JRE: equal lists, equal bytes.
        private static Task<string> Manifest(Lab lab) => Exec(lab,
            $"cd / && find {TrustAndJre} \\( -type f -exec md5sum {{}} + \\) -o \\( -type l -printf '%p -> %l\\n' \\) -o \\( -type d -printf '%p/\\n' \\) | sort");

        private static System.Collections.Generic.List<Engine.Inventory.SystemVm> TheSsvm(Lab lab) => Vms(lab).Where(v => v.Name == Vm).ToList();

        [LabFact]
        public async Task A_bundles_ca_certificate_is_trusted_by_the_system_and_the_jre_and_cloud_jks_is_untouched()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(caCertificate: true);
            byte[] cloudJks = File.ReadAllBytes(lab.VmPath(Vm, "/usr/local/cloud/systemvm/conf/cloud.jks"));

            var r = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), Options(lab, bundle), _output));

            Assert.True(r.Status == LivePatchStatus.Patched, $"{r.Status} {r.FailedStep} {r.Error}");
            Assert.Equal(bundle.CaPem, await Exec(lab, "cat /usr/local/share/ca-certificates/sysvmpatch/svp-test-ca.crt"));
            string pemBody = bundle.CaPem!.Split('\n')[1];
            Assert.Contains(pemBody, await Exec(lab, "cat /etc/ssl/certs/ca-certificates.crt"));
            Assert.Contains("svp-test-ca.pem", await Exec(lab, "ls /etc/ssl/certs"));
            string listed = await Exec(lab, $"keytool -list -keystore {LabJre}/lib/security/cacerts -storepass changeit -alias sysvmpatch-svp-test-ca");
            Assert.Contains("trustedCertEntry", listed);
            Assert.Equal(cloudJks, File.ReadAllBytes(lab.VmPath(Vm, "/usr/local/cloud/systemvm/conf/cloud.jks")));
        }

        [LabFact]
        public async Task A_failing_validation_restores_the_old_trust_store_and_jre_byte_for_byte()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(caCertificate: true, jreMarker: "new bundle jre");
            string before = await Manifest(lab);

            // The post-check runs after the new JRE and certificate are in place and fails only then.
            var options = Options(lab, bundle) with { PostChecks = new[] { $"grep -q 'new bundle jre' {LabJre}/bin/java && false" } };
            var r = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), options, _output));

            Assert.True(r.Status == LivePatchStatus.RolledBack, $"{r.Status} {r.FailedStep} {r.Error}");
            Assert.Equal("validate", r.FailedStep);
            Assert.Contains("post-check failed", r.Error);
            string journal = await Exec(lab, "cat /var/cache/cloud/sysvmpatch/runs/*/journal");
            Assert.Contains("apply ok", journal);
            Assert.Equal(before, await Manifest(lab));
            Assert.Contains("old lab jre", await Exec(lab, $"cat {LabJre}/release"));
            Assert.DoesNotContain(bundle.CaPem!.Split('\n')[1], await Exec(lab, "cat /etc/ssl/certs/ca-certificates.crt"));
            Assert.False(LockHeld(lab, Vm));
            AssertServicesActive(lab, lab.Topology.Vm(Vm));
        }

        [LabFact]
        public async Task A_patch_with_a_jre_runs_the_agent_on_the_new_one()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(jreMarker: "new bundle jre");

            var r = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), Options(lab, bundle), _output));

            Assert.True(r.Status == LivePatchStatus.Patched, $"{r.Status} {r.FailedStep} {r.Error}");
            Assert.Contains("new bundle jre", await Exec(lab, $"cat {LabJre}/release"));
            Assert.Contains("version", await Exec(lab, "java -version 2>&1"));
            Assert.Equal("", await Exec(lab, $"ls -d {LabJre}.svpnew {LabJre}.svpold 2>/dev/null || true"));
        }

        [LabFact]
        public async Task A_jre_archive_damaged_after_the_bundle_was_read_is_refused_before_anything_changes()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(caCertificate: true, jreMarker: "new bundle jre");
            string before = await Manifest(lab), sig = Signature(lab, Vm);
            // Same size, second half zeroed: the upload goes through and the VM's checksum check must catch it.
            string jre = Path.Combine(bundle.Folder, BundleExtras.JreFileName);
            byte[] bytes = File.ReadAllBytes(jre);
            System.Array.Clear(bytes, bytes.Length / 2, bytes.Length - bytes.Length / 2);
            File.WriteAllBytes(jre, bytes);

            var r = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), Options(lab, bundle), _output));

            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Equal("Verify", r.FailedStep);
            Assert.Contains("jre.tar.gz", r.Error);
            Assert.Contains("nothing changed", r.Error);
            Assert.Equal(before, await Manifest(lab));
            Assert.Equal(sig, Signature(lab, Vm));
            Assert.Equal(0, Restarts(lab, Vm));
        }

        [LabFact]
        public async Task An_agent_killed_with_the_old_jre_moved_aside_is_recovered_by_the_next_run_byte_for_byte()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(caCertificate: true, jreMarker: "new bundle jre");
            string before = await Manifest(lab);
            // The instant a reset hurts most: the old JRE renamed away, the new one not yet in its place.
            await lab.ArmAgentCrashAsync(Vm, "mv", ".svpold", after: true);

            var first = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), Options(lab, bundle), _output));
            Assert.NotEqual(LivePatchStatus.Patched, first.Status);
            Assert.Contains("crash after", File.ReadAllText(lab.VmPath(Vm, "/var/lib/labshim/crashes.log")));
            Assert.Equal("missing", await Exec(lab, $"test -e {LabJre} && echo present || echo missing").ContinueWith(t => t.Result.Trim()));
            await lab.DisarmAgentCrashesAsync(Vm);

            // The next run restores the interrupted run's backup first; its own patch then fails validation and rolls back.
            var options = Options(lab, bundle) with { PostChecks = new[] { "false" } };
            var second = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), options, _output));

            Assert.True(second.Status == LivePatchStatus.RolledBack, $"{second.Status} {second.FailedStep} {second.Error}");
            Assert.Contains("recover", await Exec(lab, "cat /var/cache/cloud/sysvmpatch/runs/*/journal"));
            Assert.Equal(before, await Manifest(lab));
            AssertServicesActive(lab, lab.Topology.Vm(Vm));
        }

        [LabFact]
        public async Task The_vms_own_check_refuses_a_jre_it_cannot_place_before_anything_changes()
        {
            await using var lab = await StartAsync();
            using var bundle = new TestBundle(caCertificate: true, jreMarker: "new bundle jre");
            // java on this VM's PATH resolves outside /usr and /opt: the agent will not replace such a folder.
            await Exec(lab, JavaTrustFiles.JreLayoutScript("/root/own-jre", "own jre") + "; ln -sf /root/own-jre/bin/java /usr/local/bin/java");
            string before = await Manifest(lab), sig = Signature(lab, Vm), own = await Exec(lab, "cd /root/own-jre && find . -type f -exec md5sum {} + | sort");

            var r = Assert.Single(await RunAsync(new LivePatchService(), TheSsvm(lab), Options(lab, bundle), _output));

            Assert.Equal(LivePatchStatus.Failed, r.Status);
            Assert.Equal("check", r.FailedStep);
            Assert.Contains("outside /usr and /opt", r.Error);
            Assert.Contains("nothing changed", r.Error);
            Assert.Equal(before, await Manifest(lab));
            Assert.Equal(own, await Exec(lab, "cd /root/own-jre && find . -type f -exec md5sum {} + | sort"));
            Assert.Equal(sig, Signature(lab, Vm));
            Assert.Equal(0, Restarts(lab, Vm));
            Assert.False(LockHeld(lab, Vm));
        }
    }
}
