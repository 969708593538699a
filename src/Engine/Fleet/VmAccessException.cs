using System;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>
    /// A command or shell could not be run on a VM, or not to its end: the VM is not running, cannot be reached, its
    /// host key was refused, or the command ran out of time. Carries the VM it concerns.
    /// </summary>
    public sealed class VmAccessException : EngineException
    {
        private VmAccessException(string errorId, EngineErrorKind kind, string message, SystemVm vm, Exception? inner = null)
            : base(errorId, kind, message, inner)
        {
            Vm = vm;
        }

        public SystemVm Vm { get; }

        /// <summary>How the history names this failure: TimedOut or Failed.</summary>
        public string HistoryStatus => ErrorId == "VmCommandTimedOut" ? "TimedOut" : "Failed";

        /// <summary>Refused before connecting: only a Running VM answers over SSH.</summary>
        public static VmAccessException NotRunning(SystemVm vm) =>
            new VmAccessException("VmNotRunning", EngineErrorKind.ResourceUnavailable,
                $"{Name(vm)} is {ConsoleText.Sanitize(vm.State ?? "in an unknown state", 40)}, not Running; nothing was run on it.", vm);

        /// <summary>The typed failure for what the SSH layer threw while reaching <paramref name="vm"/>.</summary>
        public static VmAccessException From(SystemVm vm, Exception failure)
        {
            if (failure is SshRouteException route)
                return new VmAccessException("VmRouteUnknown", EngineErrorKind.NotFound, route.Message, vm, route);
            if (!(failure is SshException ssh)) throw new ArgumentException("Not an SSH failure.", nameof(failure), failure);
            var (id, kind) = ssh.Kind switch
            {
                SshErrorKind.HostKeyVerificationFailed => ("VmHostKeyRefused", EngineErrorKind.SecurityError),
                SshErrorKind.AuthenticationFailed => ("VmAuthenticationFailed", EngineErrorKind.SecurityError),
                SshErrorKind.CommandTimedOut => ("VmCommandTimedOut", EngineErrorKind.OperationTimeout),
                SshErrorKind.ClientMissing => ("SshClientMissing", EngineErrorKind.NotFound),
                _ => ("VmUnreachable", EngineErrorKind.ConnectionError),
            };
            // The SSH layer's messages start with the VM's name already.
            return new VmAccessException(id, kind, ssh.Message, vm, ssh);
        }

        private static string Name(SystemVm vm) => ConsoleText.Sanitize(vm.Name, 100);
    }
}
