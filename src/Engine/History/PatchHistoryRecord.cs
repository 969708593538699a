using System;
using System.Collections.Generic;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// One line of the audit history: what was done to which VM, by whom, from which version to which, and
    /// how it ended. Flat on purpose, so Export-Csv and ConvertTo-Json show it without flattening.
    /// </summary>
    /// <remarks>
    /// Holds no credentials: there is no field for keys, and callers must not put secrets into
    /// <see cref="Error"/> or <see cref="Steps"/> (the engine's exceptions already keep them out).
    /// A new record gets a fresh <see cref="Id"/>, the current UTC <see cref="Time"/> and the current
    /// <see cref="Operator"/>; set the rest with an object initializer or <c>with</c>.
    /// </remarks>
    public sealed record PatchHistoryRecord
    {
        private DateTimeOffset _time;
        private IReadOnlyList<string> _steps = Array.Empty<string>();

        /// <summary>A new record: a fresh id, the time now and this process's operator.</summary>
        public PatchHistoryRecord()
        {
            Id = Guid.NewGuid().ToString();
            _time = DateTimeOffset.UtcNow;
            Operator = CurrentOperator();
        }

        /// <summary>
        /// A record about to be filled from a stored line: none of the defaults, because a new GUID costs
        /// microseconds and a scan builds millions of these.
        /// </summary>
        internal PatchHistoryRecord(ReadFromStore marker)
        {
            _ = marker;
            Id = "";
            Operator = "";
        }

        internal enum ReadFromStore { Yes }

        /// <summary>Unique id of this record (a GUID string).</summary>
        public string Id { get; init; }

        /// <summary>When the operation ended, in UTC (a local value is converted).</summary>
        public DateTimeOffset Time
        {
            get => _time;
            init => _time = value.ToUniversalTime();
        }

        /// <summary>Who ran it: user@machine.</summary>
        public string Operator { get; init; }

        public PatchOperation Operation { get; init; }

        /// <summary>The run (one cmdlet invocation over many VMs) this record belongs to.</summary>
        public string RunId { get; init; } = "";

        public string VmId { get; init; } = "";
        public string VmName { get; init; } = "";
        public SystemVmType? VmType { get; init; }

        /// <summary>Zone name (or id when the name was unknown).</summary>
        public string? Zone { get; init; }

        /// <summary>The management-server connection the VM was read from.</summary>
        public string? Server { get; init; }

        public string? FromVersion { get; init; }
        public string? ToVersion { get; init; }

        /// <summary>Scripts signature (MD5 of cloud-scripts.tgz) before the operation.</summary>
        public string? FromSignature { get; init; }

        /// <summary>Scripts signature after the operation (equal to the old one after a rollback).</summary>
        public string? ToSignature { get; init; }

        /// <summary>How it ended, in the operation's own words (Patched, RolledBack, Failed, Skipped, Restarted...).</summary>
        public string Status { get; init; } = "";

        /// <summary>The step that failed, when one did.</summary>
        public string? FailedStep { get; init; }

        /// <summary>The error message, when there was one. Never a secret.</summary>
        public string? Error { get; init; }

        public TimeSpan Duration { get; init; }

        /// <summary>The steps taken, in order, each a short line ("CopyBundle ok 2.1s").</summary>
        public IReadOnlyList<string> Steps
        {
            get => _steps;
            init => _steps = value ?? Array.Empty<string>();
        }

        /// <summary>The SHA-256 of the saved plan the run applied (New-LivePatchPlan), when it applied one.</summary>
        public string? PlanHash { get; init; }

        /// <summary><see cref="Steps"/> as one string, for CSV and tables.</summary>
        public string StepsText => string.Join("; ", _steps);

        /// <summary>A record for <paramref name="vm"/> with its identity, zone and server filled in.</summary>
        public static PatchHistoryRecord ForVm(SystemVm vm, PatchOperation operation, string runId)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            return new PatchHistoryRecord
            {
                Operation = operation,
                RunId = runId ?? "",
                VmId = vm.Id,
                VmName = vm.Name,
                VmType = vm.Type,
                Zone = vm.ZoneName ?? vm.ZoneId,
                Server = string.IsNullOrEmpty(vm.Server) ? null : vm.Server,
            };
        }

        // Asked once: Environment.UserName costs a passwd lookup on Unix.
        private static readonly Lazy<string> ThisOperator = new Lazy<string>(() => Environment.UserName + "@" + Environment.MachineName);

        /// <summary>user@machine for the process that is running.</summary>
        public static string CurrentOperator() => ThisOperator.Value;

        public override string ToString() => $"{Time:u} {Operation} {VmName} {Status}";
    }
}
