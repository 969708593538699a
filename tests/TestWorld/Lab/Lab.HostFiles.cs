using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Each host's own /usr/share/cloudstack-common/vms/ (the cloudstack-common package files its agent copies into
    /// system VMs), and that copy itself, done as the KVM host agent does it: scp of the files to /var/cache/cloud
    /// on the VM, then the patch script there.
    /// </summary>
    public sealed partial class Lab : ISystemVmFiles
    {
        public const string HostVmsPathOnHost = "/usr/share/cloudstack-common/vms";
        private static readonly System.Text.RegularExpressions.Regex CloudStart =
            new(@" (systemctl (re)?start cloud(\.service)?|service cloud (re)?start)$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        private static readonly string[] HostVmsFiles = { "agent.zip", "cloud-scripts.tgz" };

        /// <summary>The folder the host sees as /usr/share/cloudstack-common/vms (empty until a test fills it: no package installed).</summary>
        public string HostVmsFolder(string hostName) => _paths.HostVms(HostRuntimeOf(hostName).Host);

        /// <summary>Installs agent.zip and cloud-scripts.tgz from <paramref name="sourceFolder"/> as the host's package files (a bundle, or an older one).</summary>
        public void SetHostVmsFiles(string hostName, string sourceFolder)
        {
            string target = HostVmsFolder(hostName);
            foreach (var name in HostVmsFiles)
            {
                string from = Path.Combine(sourceFolder, name);
                if (File.Exists(from)) File.Copy(from, Path.Combine(target, name), overwrite: true);
                else File.Delete(Path.Combine(target, name));
            }
        }

        public VmRunningVersion? ReadVersion(string vmName)
        {
            if (!IsVmRunning(vmName)) return null;
            try
            {
                string release = FirstLine(VmPath(vmName, "/etc/cloudstack-release"));
                string signature = FirstLine(VmPath(vmName, "/var/cache/cloud/cloud-scripts-signature"));
                return new VmRunningVersion(release, signature);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return null; } // stopped meanwhile
        }

        public string? HostScriptsMd5(string vmName)
        {
            string tgz = Path.Combine(_paths.HostVms(Runtime(vmName).Vm.Host), "cloud-scripts.tgz");
            return File.Exists(tgz) ? Md5(tgz) : null;
        }

        public async Task<VmRunningVersion> PatchFromHostFilesAsync(string vmName, CancellationToken cancellationToken)
        {
            var rt = Runtime(vmName);
            string hostFolder = _paths.HostVms(rt.Vm.Host);
            string tgz = Path.Combine(hostFolder, "cloud-scripts.tgz");
            if (!File.Exists(tgz))
                throw new IOException($"Failed to scp files to system VM {vmName}: {HostVmsPathOnHost}/cloud-scripts.tgz: No such file or directory (on host {rt.Vm.Host.Name})");
            foreach (var name in HostVmsFiles)
            {
                string from = Path.Combine(hostFolder, name);
                if (File.Exists(from)) File.Copy(from, VmPath(vmName, "/var/cache/cloud/" + name), overwrite: true);
            }
            var (exit, output) = await ExecInVmAsync(vmName, HostAgentPatchScript, cancellationToken).ConfigureAwait(false);
            if (exit != 0) throw new IOException($"patching {vmName} from host {rt.Vm.Host.Name}'s files failed (exit {exit}): {output.Trim()}");
            return ReadVersion(vmName) ?? throw new IOException($"{vmName} stopped while its host patched it.");
        }

        public (int Starts, string? Version) AgentConnects(string vmName)
        {
            int starts = 0;
            foreach (var line in ServiceCalls(vmName))
                if (CloudStart.IsMatch(line)) starts++;
            if (!IsVmRunning(vmName)) return (starts, null);
            try { return (starts, FirstLine(VmPath(vmName, "/usr/local/cloud/systemvm/version"))); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return (starts, null); }
        }

        private static string FirstLine(string path)
        {
            using var reader = new StreamReader(path);
            return (reader.ReadLine() ?? "").Trim();
        }

        private static string Md5(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(MD5.HashData(stream));
        }

        // What systemvm/patch-sysvms.sh does with the copied files, in short: a new agent (SSVM/CPVM) keeping the VM's
        // own conf and certs, the scripts over /, the signature, and a restart of the enabled services that run.
        private const string HostAgentPatchScript = """
set -e
c=/var/cache/cloud
type="$(grep -o 'type=[a-z]*' $c/cmdline | head -n1 | cut -d= -f2)"
if { [ "$type" = consoleproxy ] || [ "$type" = secstorage ]; } && [ -f $c/agent.zip ]; then
  rm -rf /usr/local/cloud/systemvm.host && mkdir -p /usr/local/cloud/systemvm.host
  unzip -q -o $c/agent.zip -d /usr/local/cloud/systemvm.host
  mkdir -p /usr/local/cloud/systemvm.host/conf /usr/local/cloud/systemvm.host/certs
  cp -a /usr/local/cloud/systemvm/conf/. /usr/local/cloud/systemvm.host/conf/ 2>/dev/null || true
  cp -a /usr/local/cloud/systemvm/certs/. /usr/local/cloud/systemvm.host/certs/ 2>/dev/null || true
  rm -rf /usr/local/cloud/systemvm && mv /usr/local/cloud/systemvm.host /usr/local/cloud/systemvm
fi
tar -xzf $c/cloud-scripts.tgz -C /
md5sum $c/cloud-scripts.tgz | cut -d' ' -f1 > $c/cloud-scripts-signature
systemctl daemon-reload
for s in $(cat $c/enabled_svcs); do
  if systemctl is-active --quiet "$s"; then systemctl restart "$s"; fi
done
echo "version:$(cat $c/cloud-scripts-signature)"
""";
    }
}
