using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.LivePatch
{
    /// <summary>
    /// An SSH transport whose VMs answer from a script, for the engine's own logic (plan, executor, results)
    /// without a lab: the preflight reads a healthy 4.18 router, and the one patch command answers with
    /// <see cref="Answer"/>. Real transports are tested against real sshd in the lab tests.
    /// </summary>
    internal sealed class ScriptedSsh : ISshClient
    {
        public Func<string, SshCommand, SshCommandResult> Answer { get; init; } = (vm, _) =>
            new SshCommandResult(0, "OUTCOME-BEGIN\nstatus=Patched\nfrom_sig=old\nto_sig=new\nOUTCOME-END\n", "");

        /// <summary>When set, answers instead of <see cref="Answer"/>, taking its time (a command that runs a while).</summary>
        public Func<string, SshCommand, CancellationToken, Task<SshCommandResult>>? AnswerAsync { get; init; }

        public ConcurrentQueue<string> Opened { get; } = new();
        public ConcurrentQueue<string> Closed { get; } = new();
        public int ConnectionsOpened => Opened.Count;
        public bool SharesConnections => true;

        public static SystemVm Router(string name) => new()
        {
            Id = name, Name = name, Type = SystemVmType.Router, Hypervisor = "KVM", State = "Running", HostAddress = "198.18.0.1",
            LinkLocalIp = "169.254.0.5", TemplateVersion = "4.18.0.0", ScriptsSignature = "old", Server = "ms1", ZoneName = "z1",
        };

        public Task<ISshSession> OpenAsync(string vmName, SshRoute route, CancellationToken cancellationToken) => OpenAsync(vmName, route, "", cancellationToken);

        public Task<ISshSession> OpenAsync(string vmName, SshRoute route, string openingCommand, CancellationToken cancellationToken)
        {
            Opened.Enqueue(vmName);
            return Task.FromResult<ISshSession>(new Session(this, vmName, route));
        }

        public void Dispose() { }

        private sealed class Session : ISshSession
        {
            private readonly ScriptedSsh _owner;
            public Session(ScriptedSsh owner, string vm, SshRoute route) { _owner = owner; VmName = vm; Route = route; }
            public string VmName { get; }
            public SshRoute Route { get; }
            public string? OpeningOutput => "boot_done=1\nrelease=Cloudstack Release 4.18.0.0\nsignature=old\ntype=router\nservices=haproxy\nfree_kb=10000000\n";
            public Task<SshCommandResult> RunAsync(SshCommand command, CancellationToken cancellationToken) =>
                _owner.AnswerAsync?.Invoke(VmName, command, cancellationToken) ?? Task.FromResult(_owner.Answer(VmName, command));
            public Task CloseAsync() { _owner.Closed.Enqueue(VmName); return Task.CompletedTask; }
            public void Dispose() { }
        }
    }
}
