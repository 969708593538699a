using System.Diagnostics;
using System.Threading;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>The controller's live view of one VM: its init process while running, and its active faults.</summary>
    internal sealed class VmRuntime
    {
        public VmRuntime(LabVm vm) { Vm = vm; }

        public LabVm Vm { get; }
        /// <summary>Serialises stop/start/reboot of this VM.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);
        /// <summary>`ip netns exec … unshare …`: the same pid throughout; its only child is the VM's PID 1.</summary>
        public Process? Launcher { get; set; }
        public volatile bool Running;
        public DropFault? Drop { get; set; }

        /// <summary>The VM's PID 1 as the root namespace sees it, or null when the VM is not running.</summary>
        public int? InitPid
        {
            get
            {
                var launcher = Launcher;
                if (launcher == null || launcher.HasExited) return null;
                foreach (int child in ProcTable.Children(launcher.Id)) return child;
                return null;
            }
        }

        /// <summary>The VM's sshd listener (the chrooted sshd started by init), or null.</summary>
        public int? ListenerPid
        {
            get
            {
                int? init = InitPid;
                if (init == null) return null;
                foreach (int child in ProcTable.Children(init.Value))
                    if (ProcTable.Comm(child) == "sshd") return child;
                return null;
            }
        }
    }

    /// <summary>The controller's live view of one hypervisor host.</summary>
    internal sealed class HostRuntime
    {
        public HostRuntime(LabHost host) { Host = host; }

        public LabHost Host { get; }
        public SemaphoreSlim Gate { get; } = new(1, 1);
        /// <summary>`ip netns exec … sshd -D`: the same pid as the host's sshd.</summary>
        public Process? Sshd { get; set; }
        public volatile bool Down;
    }
}
