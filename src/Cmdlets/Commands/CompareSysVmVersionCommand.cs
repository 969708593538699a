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
    /// and what to do (None, LivePatch, Recreate). -Probe reads the truth from the VM over SSH.
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

        protected override void ProcessRecord() => _vms.AddRange(Vm);

        protected override void EndProcessing()
        {
            if (_vms.Count == 0) return;
            using var ssh = Probe.IsPresent ? NewSshClient(ThrottleLimit) : null;
            var request = new ComparisonRequest
            {
                Prober = ssh is null ? null : new SshVmProber(ssh, RouteOptions()),
                TargetVersion = TargetVersion,
                BundlePath = BundlePath is null ? null : GetUnresolvedProviderPathFromPSPath(BundlePath),
                ThrottleLimit = ThrottleLimit,
            };
            try
            {
                var results = RunEngine((pump, ct) => ComparisonService.CompareAsync(_vms, request, ServerResolver.ByName, ct));
                foreach (var r in results)
                {
                    if (r.ProbeError != null) WriteWarning($"{r.Name}: probe failed: {r.ProbeError}");
                    foreach (var d in r.Discrepancies) WriteVerbose($"{r.Name}: {d}");
                    WriteObject(r);
                }
            }
            catch (Exception e) when (e is System.IO.IOException || e is FormatException || e is InvalidOperationException || e is CloudStackException)
            {
                Fail(e, e is System.IO.IOException ? "BundleNotFound" : e is FormatException ? "InvalidTargetVersion" : "TargetVersionUnavailable",
                    e is CloudStackException ? ErrorCategory.ConnectionError : ErrorCategory.InvalidArgument,
                    e is System.IO.IOException ? BundlePath : e is FormatException ? TargetVersion : null);
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
            }
        }
    }
}
