using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Restart
{
    /// <summary>One VM's restart: what was asked, what CloudStack did, and how it ended.</summary>
    public sealed record RestartResult
    {
        public string RunId { get; init; } = "";
        public string VmId { get; init; } = "";
        public string VmName { get; init; } = "";
        public SystemVmType VmType { get; init; }
        public string? Zone { get; init; }
        public string Server { get; init; } = "";
        public RestartMode Mode { get; init; }
        public RestartStatus Status { get; init; }
        /// <summary>The async job ids CloudStack gave, in order (stop then start for StopStart).</summary>
        public IReadOnlyList<string> JobIds { get; init; } = Array.Empty<string>();
        /// <summary>State (and agent state) seen last.</summary>
        public string? FinalState { get; init; }
        /// <summary>For Recreate: the id of the VM CloudStack built instead, when known.</summary>
        public string? NewVmId { get; init; }
        public string? Error { get; init; }
        /// <summary>The setting that would fix the failure, when the error names one; the cmdlets name its parameter.</summary>
        public Errors.EngineOption? Remedy { get; init; }
        public TimeSpan Duration { get; init; }
        public IReadOnlyList<string> Steps { get; init; } = Array.Empty<string>();
        public int Batch { get; init; }

        /// <summary>The one place a result starts from: the VM and the mode, nothing done yet; the rest is added <c>with</c>.</summary>
        public static RestartResult For(SystemVm vm, RestartMode mode, string runId) => new RestartResult
        {
            RunId = runId, VmId = vm.Id, VmName = vm.Name, VmType = vm.Type, Zone = vm.ZoneName, Server = vm.Server, Mode = mode,
        };

        /// <summary>This VM's failure as a typed error, or null when it did not fail.</summary>
        public Errors.VmFailedException? ToError() => Status switch
        {
            RestartStatus.TimedOut => new Errors.VmFailedException("RestartTimedOut", Errors.EngineErrorKind.OperationTimeout, $"{VmName}: {Error}", this),
            RestartStatus.Failed => new Errors.VmFailedException("RestartFailed", Errors.EngineErrorKind.InvalidResult, $"{VmName}: {Error}", this) { Remedy = Remedy },
            // The request reached CloudStack but its answer did not reach us: never resent, so the operator must look.
            RestartStatus.MayHaveRun => new Errors.VmFailedException("RestartMayHaveRun", Errors.EngineErrorKind.InvalidResult, $"{VmName}: {Error}", this),
            _ => null,
        };

        public bool IsFailure => Status == RestartStatus.Failed || Status == RestartStatus.TimedOut || Status == RestartStatus.MayHaveRun;

        public override string ToString() => $"{VmName}: {Status}";

        /// <summary>The audit record of this restart (Operation Recreate for the Recreate mode).</summary>
        public History.PatchHistoryRecord ToHistory() => new History.PatchHistoryRecord
        {
            Operation = Mode == RestartMode.Recreate ? History.PatchOperation.Recreate : History.PatchOperation.Restart,
            RunId = RunId, VmId = VmId, VmName = VmName, VmType = VmType, Zone = Zone, Server = Server,
            Status = Status.ToString(), FailedStep = IsFailure ? Mode.ToString() : null,
            Error = Error, Duration = Duration, Steps = Steps,
        };
    }
}
