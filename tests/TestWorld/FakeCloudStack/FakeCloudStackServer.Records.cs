using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;
using static SysVmPatch.TestWorld.FakeCloudStack.FakeJson;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// CloudStack's records of what a system VM runs, and what keeps them in line (DOMAIN.md, "CloudStack's own
    /// records"): written when CloudStack itself patches a VM or the VM starts; compared with the VM by the
    /// router_version_check health check; and, with router.version.check on, a gate on commands to old routers.
    /// </summary>
    public sealed partial class FakeCloudStackServer
    {
        private readonly List<string> _patchLog = new List<string>();

        /// <summary>Live patches CloudStack tried in a network restart and only logged as failed (management-server.log).</summary>
        public IReadOnlyList<string> FailedLivePatches
        {
            get { lock (_patchLog) return _patchLog.ToArray(); }
        }

        private readonly Dictionary<string, int> _agentStartsSeen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        /// <summary>What the VM runs: the lab's files when there is a lab, else what the spec says it was built with.</summary>
        private VmRunningVersion? RunningVersion(FakeVmRecord r) =>
            _files != null ? _files.ReadVersion(r.Vm.Name)
                : r.State == "Running" ? new VmRunningVersion($"Cloudstack Release {r.Vm.Spec.Release}", r.Vm.ScriptsSignature) : null;

        /// <summary>router_version_check: the recorded template version and scripts signature against the VR's own files.</summary>
        private Dictionary<string, object?>? VersionHealthCheck(FakeVmRecord r)
        {
            var running = RunningVersion(r);
            if (running is null) return null; // a stopped router has no fresh results
            bool templateAgrees = string.Equals(r.TemplateVersion, running.TemplateVersion, StringComparison.Ordinal);
            bool scriptsAgree = string.Equals(r.ScriptsSignature, running.Signature, StringComparison.Ordinal);
            var mismatches = new List<string>();
            if (!templateAgrees) mismatches.Add($"template version recorded {r.TemplateVersion}, router runs {running.TemplateVersion}");
            if (!scriptsAgree) mismatches.Add($"scripts version recorded {r.ScriptsSignature}, router runs {running.Signature}");
            string details = mismatches.Count == 0 ? "Template and scripts version match successful" : "Mismatch: " + string.Join("; ", mismatches);
            return Obj(("checkname", "router_version_check"), ("checktype", "basic"), ("success", templateAgrees && scriptsAgree),
                ("lastupdated", Timestamp(DateTimeOffset.UtcNow)), ("details", details));
        }

        /// <summary>DOMAIN.md: version at or above minreq.sysvmtemplate.version: no; unknown: yes; else unless softwareversion is the management server's.</summary>
        private bool RequiresUpgrade(FakeVmRecord r)
        {
            if (string.IsNullOrEmpty(r.TemplateVersion)) return true;
            if (CompareVersions(r.TemplateVersion, MinimumTemplateVersion) >= 0) return false;
            return !string.Equals(r.SoftwareVersion, ManagementVersion, StringComparison.Ordinal);
        }

        /// <summary>
        /// NetworkHelperImpl.checkRouterVersion with router.version.check on: a router below minreq takes commands only
        /// when its recorded scripts signature is the management server's cloud-scripts.tgz MD5.
        /// </summary>
        private void CheckRouterVersion(FakeVmRecord r)
        {
            if (!Options.RouterVersionCheck || r.Type != SystemVmType.Router) return;
            if (!string.IsNullOrEmpty(r.TemplateVersion) && CompareVersions(r.TemplateVersion, MinimumTemplateVersion) >= 0) return;
            if (string.Equals(r.ScriptsSignature, ManagementScriptsSignature, StringComparison.Ordinal)) return;
            throw new JobFailure(530, $"Router requires upgrade. Unable to send command to router:{r.Id}, router template version : {r.TemplateVersion}, minimal required version : {MinimumTemplateVersion}");
        }

        /// <summary>What CloudStack writes after its own patch or a start (updateRouterDetails / finalizeStart): what the VM said.</summary>
        private void RecordRunningVersion(string name, VmRunningVersion running, bool livePatched) =>
            UpdateVm(name, r => r with
            {
                TemplateVersion = running.TemplateVersion.Length > 0 ? running.TemplateVersion : r.TemplateVersion,
                ScriptsSignature = running.Signature,
                SoftwareVersion = ManagementVersion,
                LivePatchCount = r.LivePatchCount + (livePatched ? 1 : 0),
            });

        /// <summary>
        /// A KVM start (LibvirtStartCommandWrapper): the host copies its vms/ files into the VM, which applies them; then
        /// finalizeStart records what the router runs. Without host files the lab boots the VM as it is.
        /// </summary>
        private async Task AfterStartAsync(string name, CancellationToken token)
        {
            if (_files is null) return;
            var record = GetVm(name);
            VmRunningVersion? running = _files.HostScriptsMd5(name) != null
                ? await _files.PatchFromHostFilesAsync(name, token).ConfigureAwait(false)
                : _files.ReadVersion(name);
            if (running is null) return;
            if (record.Type == SystemVmType.Router) RecordRunningVersion(name, running, livePatched: false);
            else RefreshAgentVersion(name, force: true);
        }

        /// <summary>
        /// listSystemVms' version is the agent's host record, which the agent rewrites each time it connects: after every
        /// start or restart of the VM's cloud service (inferred from the agent's startup command carrying its version).
        /// </summary>
        private void RefreshAgentVersion(string name, bool force = false)
        {
            if (_files is null) return;
            var (starts, version) = _files.AgentConnects(name);
            lock (_lock)
            {
                _agentStartsSeen.TryGetValue(name, out int seen);
                if (!force && starts <= seen) return;
                _agentStartsSeen[name] = starts;
            }
            if (!string.IsNullOrEmpty(version)) UpdateVm(name, r => r with { AgentVersion = version! });
        }
    }
}
