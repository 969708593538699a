using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Reconcile;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// What -Probe adds about CloudStack's side: whether its records agree with what the VM runs, and what the VM's
    /// hypervisor host would put into the VM the next time CloudStack patches or starts it.
    /// </summary>
    public sealed partial class VersionComparison
    {
        /// <summary>Routers: true when CloudStack's records (template version, scripts signature) disagree with the router; null when not known.</summary>
        public bool? RecordsStale { get; private set; }
        /// <summary>Both sides, one sentence: what CloudStack records and what the VM runs.</summary>
        public string? RecordsDetail { get; private set; }
        public string? RecordedSignature { get; private set; }
        public string? RunningSignature { get; private set; }
        public string? RecordedTemplateVersion { get; private set; }
        public string? RunningTemplateVersion { get; private set; }

        /// <summary>The hypervisor host whose vms/ files CloudStack copies into this VM.</summary>
        public string? HostName { get; private set; }
        /// <summary>MD5 of the host's /usr/share/cloudstack-common/vms/cloud-scripts.tgz (null: none, or not read).</summary>
        public string? HostScriptsMd5 { get; private set; }
        /// <summary>MD5 of the host's vms/agent.zip (null: none, or not read).</summary>
        public string? HostAgentZipMd5 { get; private set; }
        /// <summary>True when the host's files are the bundle's, so CloudStack re-patching or starting the VM keeps it on the bundle; null when not known.</summary>
        public bool? HostHoldsBundle { get; private set; }
        /// <summary>What the host holds against the bundle, or why it was not read.</summary>
        public string? HostFilesDetail { get; private set; }

        internal void AttachRecords(RecordsTruth truth)
        {
            RecordsStale = truth.Stale;
            RecordsDetail = truth.Description;
            RecordedSignature = truth.RecordedSignature;
            RunningSignature = truth.RunningSignature;
            RecordedTemplateVersion = truth.RecordedTemplateVersion;
            RunningTemplateVersion = truth.RunningTemplateVersion;
        }

        internal void AttachHost(HostBundleFiles files, string? bundleSignature, string? bundleAgentZipMd5)
        {
            HostName = files.HostName ?? files.HostAddress;
            HostScriptsMd5 = files.ScriptsMd5;
            HostAgentZipMd5 = files.AgentZipMd5;
            HostHoldsBundle = files.Holds(bundleSignature, bundleAgentZipMd5, needsAgent: Type != SystemVmType.Router);
            HostFilesDetail = files.Describe(bundleSignature);
        }
    }
}
