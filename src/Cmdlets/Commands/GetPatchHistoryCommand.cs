using System;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Completion;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Get-PatchHistory: reads the audit history of live patches, rollbacks and restarts, newest first, or
    /// summarizes it per run. All reading and filtering is the engine's <see cref="HistoryStore"/>.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PatchHistory", DefaultParameterSetName = RecordsSet)]
    [OutputType(typeof(PatchHistoryRecord), ParameterSetName = new[] { RecordsSet })]
    [OutputType(typeof(PatchRunSummary), ParameterSetName = new[] { SummarySet })]
    public sealed class GetPatchHistoryCommand : SysVmPatchCmdlet
    {
        private const string RecordsSet = "Records";
        private const string SummarySet = "Summary";
        private const string InvalidFilter = "InvalidHistoryFilter";

        /// <summary>VM names; wildcards allowed. Binds from a piped object's Name (Get-SystemVm output).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VmNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? VmName { get; set; }

        /// <summary>VM ids (exact). Binds from a piped object's VmId or Id.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        public string[]? VmId { get; set; }

        [Parameter]
        public PatchOperation[]? Operation { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Status { get; set; }

        /// <summary>Run ids (exact). Binds from a piped object's RunId (Invoke-LivePatch results, summaries).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public string[]? RunId { get; set; }

        [Parameter]
        public DateTime Since { get; set; }

        [Parameter]
        public DateTime Until { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ZoneCompleter))]
        public string[]? Zone { get; set; }

        /// <summary>The newest N records; with -Summary, the N most recent runs. Default: all.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Last { get; set; } = int.MaxValue;

        /// <summary>The history file or folder; default $env:SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = SummarySet)]
        public SwitchParameter Summary { get; set; }

        protected override void ProcessRecord()
        {
            var store = new HistoryStore(Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path));
            WriteVerbose(store.Files().Count == 0
                ? $"No history has been recorded at {store.Path} yet."
                : $"Reading history from {store.Path}");
            var query = new HistoryQuery
            {
                VmName = Wildcards(VmName, nameof(VmName), InvalidFilter),
                VmId = VmId,
                Operation = Operation,
                Status = Wildcards(Status, nameof(Status), InvalidFilter),
                RunId = RunId,
                Since = IsBound(nameof(Since)) ? new DateTimeOffset(Since) : (DateTimeOffset?)null,
                Until = IsBound(nameof(Until)) ? new DateTimeOffset(Until) : (DateTimeOffset?)null,
                Zone = Wildcards(Zone, nameof(Zone), InvalidFilter),
                Last = IsBound(nameof(Last)) ? Last : (int?)null,
            };
            try
            {
                // Warnings are raised while this thread enumerates, so WriteWarning is on the pipeline thread.
                if (Summary.IsPresent)
                {
                    foreach (var run in store.Summarize(query, WriteWarning, CancelToken)) WriteObject(run);
                }
                else
                {
                    foreach (var record in store.Read(query, WriteWarning, CancelToken)) WriteObject(record);
                }
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell is already stopping the pipeline.
            }
            catch (ArgumentException ex)
            {
                // A filter value the store refuses (a malformed wildcard already ended the cmdlet above).
                ThrowTerminatingError(new ErrorRecord(ex, InvalidFilter, ErrorCategory.InvalidArgument, null));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "HistoryReadFailed", ErrorCategory.ReadError, store.Path));
            }
        }

        private bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);
    }
}
