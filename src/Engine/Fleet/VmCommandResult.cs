using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Engine.Fleet
{
    /// <summary>
    /// What one command did on one VM. <see cref="Stdout"/> and <see cref="Stderr"/> are the VM's text as it came
    /// (line ends made "\n"): data for scripts, not yet safe for a console; the default view shows them sanitized.
    /// </summary>
    public sealed record VmCommandResult
    {
        public string RunId { get; init; } = "";
        public string VmName { get; init; } = "";
        public string VmId { get; init; } = "";
        public SystemVmType VmType { get; init; }
        public string? Zone { get; init; }
        /// <summary>The hypervisor host the VM runs on (the SSH jump host unless one was given for every VM).</summary>
        public string? HostName { get; init; }
        public string Server { get; init; } = "";
        public string Command { get; init; } = "";
        public int ExitCode { get; init; }
        public string Stdout { get; init; } = "";
        public string Stderr { get; init; } = "";
        /// <summary>Stdout went past the output limit; <see cref="Stdout"/> holds its beginning.</summary>
        public bool StdoutTruncated { get; init; }
        /// <summary>Stderr went past the output limit; <see cref="Stderr"/> holds its beginning.</summary>
        public bool StderrTruncated { get; init; }
        /// <summary>Either stream was cut at the output limit.</summary>
        public bool Truncated => StdoutTruncated || StderrTruncated;
        public TimeSpan Duration { get; init; }

        public bool Succeeded => ExitCode == 0;

        /// <summary>A result for <paramref name="vm"/>, its identity filled in; the outcome is added <c>with</c>.</summary>
        public static VmCommandResult For(SystemVm vm, string command, string runId) => new VmCommandResult
        {
            RunId = runId, VmName = vm.Name, VmId = vm.Id, VmType = vm.Type, Zone = vm.ZoneName ?? vm.ZoneId,
            HostName = vm.HostName, Server = vm.Server, Command = command,
        };

        public override string ToString() => $"{VmName}: exit {ExitCode.ToString(CultureInfo.InvariantCulture)}";

        /// <summary>The audit record: the command, the exit code and how much output came; never the output itself.</summary>
        public PatchHistoryRecord ToHistory() => new PatchHistoryRecord
        {
            Operation = PatchOperation.Command, RunId = RunId, VmId = VmId, VmName = VmName, VmType = VmType, Zone = Zone,
            Server = string.IsNullOrEmpty(Server) ? null : Server, Duration = Duration,
            Status = Succeeded ? "Completed" : "NonZeroExit",
            FailedStep = Succeeded ? null : "exit " + ExitCode.ToString(CultureInfo.InvariantCulture),
            Steps = new[]
            {
                HistoryCommand(Command),
                "exit code " + ExitCode.ToString(CultureInfo.InvariantCulture),
                $"stdout {Stdout.Length.ToString(CultureInfo.InvariantCulture)} chars{(StdoutTruncated ? " (truncated)" : "")}, stderr {Stderr.Length.ToString(CultureInfo.InvariantCulture)} chars{(StderrTruncated ? " (truncated)" : "")}",
            },
        };

        /// <summary>The history record of a VM the command could not run on (or not to its end).</summary>
        internal static PatchHistoryRecord FailureHistory(SystemVm vm, string command, string runId, string status, string error, TimeSpan duration) =>
            PatchHistoryRecord.ForVm(vm, PatchOperation.Command, runId) with
            {
                Status = status, FailedStep = "Command", Error = error, Duration = duration,
                Steps = new List<string> { HistoryCommand(command), "failed: " + error },
            };

        // The command as typed, its control characters written as escapes so the history stays one line per record
        // and safe to print; long scripts are cut, the history is an audit trail and not a copy of them.
        private static string HistoryCommand(string command) => "command: " + ConsoleText.Escape(command, 2000);
    }
}
