namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// PID 1 of every lab VM. It runs inside the VM's fresh network, mount, UTS and PID namespaces, assembles the
    /// VM's root (overlay of the host's / with the VM's own upper dir), and runs sshd chrooted into it. Killing it
    /// ends every process of the VM, which is how a VM is stopped.
    /// Arguments: VM directory, link-local address, VM name.
    /// </summary>
    internal static class VmInitScript
    {
        public const string Text = """
#!/bin/bash
vmdir="$1"; ip="$2"; name="$3"
m="$vmdir/merged"
exec >>"$vmdir/ctl/init.log" 2>&1
echo "$(date '+%F %T') booting $name"
set -e
hostname "$name"
ip link set lo up
ip addr replace "$ip/16" dev eth0
ip link set eth0 up
mount -t overlay overlay -o "lowerdir=/,upperdir=$vmdir/disk/upper,workdir=$vmdir/disk/work" "$m"
mount --rbind /dev "$m/dev"
mount -t proc proc "$m/proc"
mount --rbind /sys "$m/sys"
mount -t tmpfs -o size=16m,mode=755 tmpfs "$m/run"
mkdir -p "$m/run/sshd" "$m/run/lock"
mount --bind "$vmdir/ctl" "$m/var/lib/labshim"
rm -f "$vmdir/ctl/sshd.pid"
set +e
chroot "$m" /usr/sbin/sshd -D -f /etc/ssh/sshd_config -E /var/lib/labshim/sshd.log &
sshd=$!
# As PID 1 this shell also reaps whatever the VM's sessions leave behind (bash reaps any child on SIGCHLD).
wait "$sshd"
echo "$(date '+%F %T') sshd exited with $?; $name stops"
""";
    }
}
