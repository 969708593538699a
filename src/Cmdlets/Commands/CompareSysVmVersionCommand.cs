using System;
using System.Collections.Generic;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Versions;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Tells, for each VM from the pipeline, whether it runs the target software, whether it can be live-patched,
    /// and what to do (None, LivePatch, Recreate). -Probe reads the truth from the VM over SSH, whether CloudStack's
    /// records agree with it, and what its hypervisor host's cloudstack-common vms/ files hold.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "SysVmVersion")]
    [OutputType(typeof(VersionComparison))]
    public sealed class CompareSysVmVersionCommand : SshCmdlet
    {
        private readonly List<SystemVm> _vms = new List<SystemVm>();

        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public SystemVm[] Vm { get; set; } = Array.Empty<SystemVm>();

        /// <summary>Compare against this version instead of the management server's (listCapabilities).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TargetVersion { get; set; }

        /// <summary>A folder with agent.zip and cloud-scripts.tgz; its cloud-scripts.tgz MD5 is the target signature.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? BundlePath { get; set; }

        /// <summary>Read /etc/cloudstack-release, the scripts signature, boot_up_done and the last live patch's outcome over SSH.</summary>
        [Parameter]
        public SwitchParameter Probe { get; set; }

        /// <summary>VMs probed at once.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 16;

        private const int ProgressActivityId = 0x5359_5643; // "SYVC"
        private const string ProgressActivity = "Compare-SysVmVersion -Probe";

        protected override void ProcessRecord() => _vms.AddRange(Vm);

        protected override void EndProcessing()
        {
            if (_vms.Count == 0) return;
            using var ssh = Probe.IsPresent ? NewSshClient(ThrottleLimit) : null;
            var connections = Connections.All;
            // Paths are resolved here, on the pipeline thread; the workers only get the results.
            var request = new ComparisonRequest
            {
                Prober = ssh is null ? null : new SshVmProber(ssh, RouteOptions()),
                // The host's vms/ files decide what CloudStack puts into the VM the next time it patches or starts it.
                HostFiles = ssh is null ? null : new Engine.Reconcile.SshHostBundleReader(ssh, RouteOptions()),
                TargetVersion = TargetVersion,
                BundlePath = BundlePath is null ? null : GetUnresolvedProviderPathFromPSPath(BundlePath),
                ThrottleLimit = ThrottleLimit,
            };
            try
            {
                // Probes run on worker threads: their verbose lines and progress reach PowerShell through the pump.
                var results = RunEngine((pump, ct) => ServerResolver.WithVerbose(connections, pump, () =>
                    ComparisonService.CompareAsync(_vms, Reporting(request, pump), Connections.Find, ct)));
                if (ssh != null) WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "done") { RecordType = ProgressRecordType.Completed });
                foreach (var r in results)
                {
                    if (r.ProbeError != null) WriteWarning(ParameterNames.WithAdvice($"{r.Name}: probe failed: {r.ProbeError}", r.ProbeRemedy));
                    foreach (var d in r.Discrepancies) WriteVerbose($"{r.Name}: {d}");
                    if (r.RecordsStale == true) WriteVerbose($"{r.Name}: CloudStack's records are stale: {r.RecordsDetail}");
                    if (r.HostFilesDetail != null) WriteVerbose($"{r.Name}: {r.HostFilesDetail}");
                    WriteObject(r);
                }
            }
            catch (Engine.Errors.EngineException e) { Fail(e, TargetVersion); }
            catch (System.IO.IOException e) { Fail(e, "BundleNotFound", ErrorCategory.InvalidArgument, BundlePath); }
            catch (FormatException e) { Fail(e, "InvalidTargetVersion", ErrorCategory.InvalidArgument, TargetVersion); }
            // The management server could not tell its version.
            catch (CloudStackException e) { Fail(e, "TargetVersionUnavailable", ErrorCategory.ConnectionError, null); }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
            }
        }

        private static ComparisonRequest Reporting(ComparisonRequest request, PipelinePump pump) => request with
        {
            Verbose = pump.Verbose,
            Progress = p => pump.Progress(new ProgressRecord(ProgressActivityId, ProgressActivity, $"{p.Done} of {p.Total} VMs probed, {p.VmName} done")
            {
                PercentComplete = p.Total == 0 ? 100 : p.Done * 100 / p.Total,
            }),
        };
    }
}
