using System;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// What a VM's hypervisor host holds in /usr/share/cloudstack-common/vms/: the files CloudStack copies into the VM
    /// whenever it patches it (restartNetwork/restartVPC livepatch=true, patchSystemVm) and, on KVM, at every start.
    /// </summary>
    public sealed record HostBundleFiles
    {
        public const string HostFolder = "/usr/share/cloudstack-common/vms";

        public string? HostName { get; init; }
        public string? HostAddress { get; init; }
        /// <summary>MD5 of the host's cloud-scripts.tgz; null when it has none or it could not be read.</summary>
        public string? ScriptsMd5 { get; init; }
        /// <summary>MD5 of the host's agent.zip; null when it has none or it could not be read.</summary>
        public string? AgentZipMd5 { get; init; }
        /// <summary>True when CloudStack patches this VM from the management server's files, not a host's (VMware): none were read.</summary>
        public bool FromManagementServer { get; init; }
        /// <summary>Why the files could not be read (host unreachable, VMware, ...); null when they were.</summary>
        public string? Error { get; init; }

        /// <summary>
        /// True when the host's files are the bundle's (cloud-scripts.tgz, and agent.zip where the VM takes one), so a
        /// CloudStack re-patch puts back exactly what we patched; false when they differ; null when not known.
        /// </summary>
        public bool? Holds(string? bundleSignature, string? bundleAgentZipMd5, bool needsAgent)
        {
            if (Error != null || bundleSignature is null) return null;
            if (!string.Equals(ScriptsMd5, bundleSignature, StringComparison.OrdinalIgnoreCase)) return false;
            if (!needsAgent || bundleAgentZipMd5 is null) return true;
            return string.Equals(AgentZipMd5, bundleAgentZipMd5, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>One line for results and history: what the host holds against the bundle.</summary>
        public string Describe(string? bundleSignature)
        {
            string host = HostName ?? HostAddress ?? "the VM's host";
            if (Error != null) return $"{host}: {HostFolder} not read ({Error})";
            if (ScriptsMd5 is null) return $"{host} has no {HostFolder}/cloud-scripts.tgz (cloudstack-common not installed?)";
            return $"{host} holds cloud-scripts.tgz {ScriptsMd5}" + (AgentZipMd5 is null ? ", no agent.zip" : $", agent.zip {AgentZipMd5}")
                + (bundleSignature is null ? "" : string.Equals(ScriptsMd5, bundleSignature, StringComparison.OrdinalIgnoreCase) ? " (the bundle's)" : $" (the bundle's cloud-scripts.tgz is {bundleSignature})");
        }
    }
}
