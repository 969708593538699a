using System;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// Reads what a VM itself says, with the live patch's own preflight command (one SSH command): template
    /// release, scripts signature, whether it finished booting, and the outcome the last live patch left there,
    /// including a patch still running or one whose agent died.
    /// </summary>
    public sealed class SshVmProber : IVmProber
    {
        private readonly ISshClient _client;
        private readonly SshRouteOptions _options;

        public SshVmProber(ISshClient client, SshRouteOptions options)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _options = options ?? throw new ArgumentNullException(nameof(options));
        }

        public async Task<VmProbe> ProbeAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            try
            {
                var result = await _client.RunOnVmAsync(vm, _options, new SshCommand(RemoteCommands.Preflight()) { Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded) return VmProbe.Failed($"probe command exited {result.ExitCode}: {result.Stderr.Trim()}");
                var report = PreflightReport.Parse(result.Stdout);
                return new VmProbe(report.ReleaseLine, report.Signature, report.BootFinished) { LastPatchOutcome = DescribeLastPatch(report), NeedsAttention = report.Attention?.Describe() };
            }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                return VmProbe.Failed(e.Message, (e as Errors.IHasRemedy)?.Remedy);
            }
        }

        internal static string? DescribeLastPatch(PreflightReport report)
        {
            if (report.LockAlive) return $"a live patch is running now ({report.LockOwner})";
            if (report.InterruptedRun != null) return $"live patch run {report.InterruptedRun} was interrupted (its agent died); the next live patch of the VM restores its backup first";
            if (report.LastRun is null) return null;
            if (report.LastOutcome is null) return $"live patch run {report.LastRun} left no outcome";
            report.LastOutcome.TryGetValue("status", out var status);
            report.LastOutcome.TryGetValue("step", out var step);
            report.LastOutcome.TryGetValue("error", out var error);
            return $"live patch run {report.LastRun}: {status}" + (string.IsNullOrEmpty(error) ? "" : $" at {step}: {error}");
        }
    }
}
