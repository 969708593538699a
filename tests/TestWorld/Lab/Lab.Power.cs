using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    public sealed partial class Lab
    {
        /// <summary>Powers the VM off: its PID namespace dies with every process in it; its disk stays.</summary>
        public async Task StopVmAsync(string vmName, CancellationToken cancellationToken = default)
        {
            var rt = Runtime(vmName);
            await rt.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!rt.Running) return;
                await KillVmAsync(rt).ConfigureAwait(false);
                await LabNetwork.SetVmLinkAsync(rt.Vm, up: false, cancellationToken).ConfigureAwait(false);
                Log($"{vmName} stopped");
            }
            finally { rt.Gate.Release(); }
        }

        /// <summary>Boots the VM again with the same disk; returns once its sshd listens. Services come up as enabled.</summary>
        public async Task StartVmAsync(string vmName, CancellationToken cancellationToken = default)
        {
            var rt = Runtime(vmName);
            await rt.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (rt.Running) return;
                await LabNetwork.SetVmLinkAsync(rt.Vm, up: true, cancellationToken).ConfigureAwait(false);
                await BootVmAsync(rt, cancellationToken).ConfigureAwait(false);
                Log($"{vmName} started");
            }
            finally { rt.Gate.Release(); }
        }

        public async Task RebootVmAsync(string vmName, CancellationToken cancellationToken = default)
        {
            await StopVmAsync(vmName, cancellationToken).ConfigureAwait(false);
            await StartVmAsync(vmName, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Takes a hypervisor host off the network (its sshd and every session through it killed, its uplink down),
        /// or brings it back. Its VMs keep running but cannot be reached while it is down.
        /// </summary>
        public async Task SetHostDownAsync(string hostName, bool down, CancellationToken cancellationToken = default)
        {
            var rt = HostRuntimeOf(hostName);
            await rt.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (rt.Down == down) return;
                if (down)
                {
                    KillHostSshd(rt);
                    await LabNetwork.SetHostUplinkAsync(rt.Host, up: false, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await LabNetwork.SetHostUplinkAsync(rt.Host, up: true, cancellationToken).ConfigureAwait(false);
                    await StartHostSshdAsync(rt, cancellationToken).ConfigureAwait(false);
                }
                rt.Down = down;
                Log($"{hostName} {(down ? "down" : "up")}");
            }
            finally { rt.Gate.Release(); }
        }

        async Task Topology.IVmPowerControl.StopVmAsync(string vmName, CancellationToken cancellationToken) => await StopVmAsync(vmName, cancellationToken).ConfigureAwait(false);

        async Task Topology.IVmPowerControl.StartVmAsync(string vmName, CancellationToken cancellationToken) => await StartVmAsync(vmName, cancellationToken).ConfigureAwait(false);

        private async Task BootVmAsync(VmRuntime rt, CancellationToken ct)
        {
            var vm = rt.Vm;
            ResetServicesForBoot(rt);
            File.Delete(_paths.VmSshdPid(vm));
            rt.Launcher?.Dispose();
            // --kill-child: should the launcher die, the kernel kills the VM's PID 1 and with it the whole VM.
            rt.Launcher = LabCommand.StartDetached(new[]
            {
                "ip", "netns", "exec", LabNames.VmNetns(vm),
                "unshare", "--mount", "--pid", "--uts", "--ipc", "--fork", "--propagation", "private", "--kill-child",
                "/bin/bash", _paths.VmInitScript, _paths.VmDir(vm), vm.LinkLocalIp, vm.Name,
            });
            try
            {
                await WaitForSshdAsync(_paths.VmSshdPid(vm), rt.Launcher, vm.Name, _paths.VmInitLog(vm), ct).ConfigureAwait(false);
            }
            catch
            {
                await KillVmAsync(rt).ConfigureAwait(false);
                throw;
            }
            rt.Running = true;
        }

        private static async Task KillVmAsync(VmRuntime rt)
        {
            rt.Running = false;
            var launcher = rt.Launcher;
            if (launcher == null) return;
            int? init = rt.InitPid;
            // PID 1 gone means the kernel kills everything else in the VM's PID namespace.
            if (init != null) LibC.Kill(init.Value, LibC.SIGKILL);
            else if (!launcher.HasExited) LibC.Kill(launcher.Id, LibC.SIGKILL);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try { await launcher.WaitForExitAsync(limit.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { LibC.Kill(launcher.Id, LibC.SIGKILL); }
        }

        private static void KillHostSshd(HostRuntime rt)
        {
            var sshd = rt.Sshd;
            if (sshd == null || sshd.HasExited) return;
            // Sessions first (their jumps would otherwise outlive the host), then the listener.
            foreach (int pid in ProcTable.Descendants(sshd.Id)) LibC.Kill(pid, LibC.SIGKILL);
            LibC.Kill(sshd.Id, LibC.SIGKILL);
            sshd.WaitForExit(10_000);
        }

        // A booting VM starts its enabled services; one with a "fail" fault does not come up.
        private void ResetServicesForBoot(VmRuntime rt)
        {
            var vm = rt.Vm;
            string enabledFile = Path.Combine(_paths.VmUpper(vm), "var/cache/cloud/enabled_svcs");
            var services = File.Exists(enabledFile)
                ? File.ReadAllText(enabledFile).Split(new[] { ' ', '\n', '\t' }, StringSplitOptions.RemoveEmptyEntries)
                : System.Linq.Enumerable.ToArray(vm.Spec.ServicesOrDefault());
            foreach (var svc in services)
            {
                if (!IsSafeName(svc)) continue;
                string fault = _paths.VmServiceFault(vm, svc);
                bool fails = File.Exists(fault) && File.ReadAllText(fault).Trim() == "fail";
                File.WriteAllText(_paths.VmServiceState(vm, svc), (fails ? "failed" : "active") + "\n");
            }
        }

        private static bool IsSafeName(string name)
        {
            try { LabNames.CheckSafe(name); return true; }
            catch (ArgumentException) { return false; }
        }
    }
}
