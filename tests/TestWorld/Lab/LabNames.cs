using System;
using System.IO;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// Every name the lab gives to a kernel object or directory carries one prefix, so that a cleanup after a
    /// killed run can find all of it by name alone.
    /// </summary>
    public static class LabNames
    {
        public const string Prefix = "svplab";
        public const string DefaultRootDirectory = "/run/" + Prefix;
        /// <summary>Outside the tmpfs, so that unmounting a stale world never removes a live lock.</summary>
        public const string LockFile = "/run/" + Prefix + ".lock";
        public const string Bridge = Prefix + "0";
        /// <summary>The bridge inside each host namespace, as CloudStack names it on KVM.</summary>
        public const string HostBridge = "cloud0";
        public const int VmSshPort = 3922;

        public static string HostNetns(LabHost host) => Prefix + "-" + host.NamespaceName;
        public static string VmNetns(LabVm vm) => Prefix + "-" + vm.NamespaceName;
        /// <summary>Root-namespace end of a host's veth (the other end is eth0 in the host).</summary>
        public static string HostUplink(LabHost host) => Prefix + "-" + host.NamespaceName;
        /// <summary>Host-namespace end of a VM's veth, attached to cloud0 (the other end is eth0 in the VM).</summary>
        public static string VmHostSideLink(LabVm vm) => vm.NamespaceName;

        /// <summary>Names become directory names; refuse anything that could climb out of the lab root.</summary>
        public static void CheckSafe(string name)
        {
            if (string.IsNullOrEmpty(name) || name.Length > 64) throw new ArgumentException($"Lab name '{name}' must have 1 to 64 characters.");
            foreach (char c in name)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) throw new ArgumentException($"Lab name '{name}' may hold only letters, digits, '-', '_' and '.'.");
            if (name == "." || name == "..") throw new ArgumentException($"Lab name '{name}' is not allowed.");
        }
    }

    /// <summary>Where each of the lab's files lives under its root directory.</summary>
    internal sealed class LabPaths
    {
        public LabPaths(string root) { Root = root; }

        public string Root { get; }
        public string KeysDir => Path.Combine(Root, "keys");
        public string OperatorKey => Path.Combine(KeysDir, "operator_ed25519");
        public string KnownHosts => Path.Combine(Root, "known_hosts");
        public string SshConfig => Path.Combine(Root, "ssh_config");
        public string StateFile => Path.Combine(Root, "state.json");
        public string BinDir => Path.Combine(Root, "bin");
        public string VmInitScript => Path.Combine(BinDir, "vm-init.sh");

        public string HostDir(LabHost host) => Path.Combine(Root, "hosts", host.Name);
        public string HostSshdConfig(LabHost host) => Path.Combine(HostDir(host), "sshd_config");
        public string HostKey(LabHost host) => Path.Combine(HostDir(host), "ssh_host_ed25519_key");
        public string HostAuthorizedKeys(LabHost host) => Path.Combine(HostDir(host), "authorized_keys");
        public string HostSshdPid(LabHost host) => Path.Combine(HostDir(host), "sshd.pid");
        public string HostSshdLog(LabHost host) => Path.Combine(HostDir(host), "sshd.log");
        /// <summary>The host's own cloudstack-common vms/ files, bind-mounted at /usr/share/cloudstack-common/vms in its sshd's mount namespace.</summary>
        public string HostVms(LabHost host) => Path.Combine(HostDir(host), "cloudstack-common-vms");
        /// <summary>Upper and work dirs of the overlay on the host's /usr/share that gives it a cloudstack-common folder of its own.</summary>
        public string HostShareUpper(LabHost host) => Path.Combine(HostDir(host), "share", "upper");
        public string HostShareWork(LabHost host) => Path.Combine(HostDir(host), "share", "work");

        public string VmDir(LabVm vm) => Path.Combine(Root, "vms", vm.Name);
        /// <summary>A size-limited tmpfs is mounted here when the VM has a DiskMiB; else a plain directory.</summary>
        public string VmDisk(LabVm vm) => Path.Combine(VmDir(vm), "disk");
        public string VmUpper(LabVm vm) => Path.Combine(VmDisk(vm), "upper");
        public string VmWork(LabVm vm) => Path.Combine(VmDisk(vm), "work");
        public string VmMerged(LabVm vm) => Path.Combine(VmDir(vm), "merged");
        /// <summary>Mounted at /var/lib/labshim inside the VM; the controller writes faults here directly.</summary>
        public string VmControl(LabVm vm) => Path.Combine(VmDir(vm), "ctl");
        public string VmCallsLog(LabVm vm) => Path.Combine(VmControl(vm), "calls.log");
        public string VmSshdPid(LabVm vm) => Path.Combine(VmControl(vm), "sshd.pid");
        public string VmInitLog(LabVm vm) => Path.Combine(VmControl(vm), "init.log");
        public string VmServiceState(LabVm vm, string service) => Path.Combine(VmControl(vm), "state", service);
        public string VmServiceFault(LabVm vm, string service) => Path.Combine(VmControl(vm), "faults", service);
        public string VmDropLog(LabVm vm) => Path.Combine(VmControl(vm), "drops.log");
    }
}
