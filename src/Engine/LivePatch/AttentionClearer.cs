using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.LivePatch.OnVm;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// Reads and removes the attention mark (<see cref="AttentionMarker.Path"/>) a rollback that could not finish
    /// left on a VM, over the same SSH transport, keys and known_hosts as a live patch. Two steps, so the operator sees
    /// what the mark says before agreeing: <see cref="ReadAsync"/>, then <see cref="ClearAsync"/>, which removes the
    /// mark only if it is still the one read (its checksum), syncs, and records the action in the history.
    /// </summary>
    public sealed class AttentionClearer
    {
        private const string Changed = "MARK-CHANGED";
        private readonly ISshClient _client;
        private readonly SshRouteOptions _route;
        private readonly HistoryRecorder _history;

        public AttentionClearer(ISshClient client, SshRouteOptions route, HistoryRecorder history)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _route = route ?? throw new ArgumentNullException(nameof(route));
            _history = history ?? throw new ArgumentNullException(nameof(history));
        }

        internal static string ReadCommand() => $@"f={AttentionMarker.Path}
[ -f $f ] || exit 0
set -- $(md5sum < $f); echo ""sum=$1""
while read -r x || [ -n ""$x"" ]; do echo ""mark_$x""; done < $f
";

        internal static string ClearCommand(string checksum)
        {
            if (checksum.Length != 32 || !checksum.All(Uri.IsHexDigit)) throw new ArgumentException("Not an MD5 checksum.", nameof(checksum));
            return $@"f={AttentionMarker.Path}
set -- $(md5sum < $f 2>/dev/null); [ ""${{1:-}}"" = {checksum} ] || {{ echo {Changed}; exit 3; }}
rm -f $f && sync && echo cleared
";
        }

        /// <summary>The VM's mark; throws <see cref="AttentionException"/> when it carries none or cannot be read.</summary>
        public async Task<VmAttention> ReadAsync(SystemVm vm, CancellationToken cancellationToken)
        {
            var result = await Run(vm, ReadCommand(), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded) throw AttentionException.Unreadable(vm.Name, $"reading {AttentionMarker.Path} exited {result.ExitCode}: {ConsoleText.Sanitize(result.Stderr, 300)}");
            var lines = result.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            string? sum = Value(lines, "sum=");
            if (sum is null) throw AttentionException.NoMark(vm.Name);
            string? Mark(string key) => Value(lines, "mark_" + key + "=") is { } v && v.Trim().Length > 0 ? v.Trim() : null;
            return new VmAttention(vm, Mark("run"), Mark("step"), Mark("error"), Mark("backup"), Mark("since"), sum);
        }

        /// <summary>Removes the mark read before (if unchanged) and records it; returns it with <see cref="VmAttention.Cleared"/> set.</summary>
        public async Task<VmAttention> ClearAsync(VmAttention mark, string runId, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var result = await Run(mark.Vm, ClearCommand(mark.Checksum), cancellationToken).ConfigureAwait(false);
            if (result.Stdout.Contains(Changed)) throw AttentionException.ChangedMeanwhile(mark.Vm.Name);
            if (!result.Succeeded) throw AttentionException.Unreadable(mark.Vm.Name, $"removing {AttentionMarker.Path} exited {result.ExitCode}: {ConsoleText.Sanitize(result.Stderr, 300)}");
            var cleared = mark with { Cleared = true, RunId = runId };
            _history.Record(PatchHistoryRecord.ForVm(mark.Vm, PatchOperation.ClearAttention, runId) with
            {
                Status = "Cleared",
                Duration = watch.Elapsed,
                Steps = new[] { "mark was: " + mark.Description, "removed " + AttentionMarker.Path },
            });
            return cleared;
        }

        private async Task<SshCommandResult> Run(SystemVm vm, string command, CancellationToken cancellationToken)
        {
            try { return await _client.RunOnVmAsync(vm, _route, new SshCommand(command) { Timeout = TimeSpan.FromSeconds(60) }, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is SshException || e is SshRouteException)
            {
                throw AttentionException.Unreachable(vm.Name, e);
            }
        }

        private static string? Value(IEnumerable<string> lines, string prefix) =>
            lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?.Substring(prefix.Length);
    }

    /// <summary>
    /// The attention mark of one VM as read from it (raw values: show them through the console sanitizer), and, once
    /// cleared, the run id the clearing was recorded under.
    /// </summary>
    public sealed record VmAttention(SystemVm Vm, string? Run, string? Step, string? Error, string? Backup, string? Since, string Checksum)
    {
        public string VmName => Vm.Name;
        public bool Cleared { get; init; }
        /// <summary>The history run id of the clearing (Get-PatchHistory -RunId); null until cleared.</summary>
        public string? RunId { get; init; }

        /// <summary>What the mark says, in one line, as the refusal of a live patch words it.</summary>
        public string Description => new AttentionMarker(Run, Error, Backup).Describe() + (Step is null ? "" : $" (failed step: {Step})");
    }

    /// <summary>Clearing an attention mark failed; nothing was removed.</summary>
    public sealed class AttentionException : EngineException
    {
        private AttentionException(string errorId, EngineErrorKind kind, string message, Exception? inner = null) : base(errorId, kind, message, inner) { }

        internal static AttentionException NoMark(string vm) => new AttentionException("NoAttentionMark", EngineErrorKind.NotFound,
            $"{ConsoleText.Sanitize(vm, 100)} carries no attention mark ({AttentionMarker.Path} does not exist): there is nothing to clear.");

        internal static AttentionException ChangedMeanwhile(string vm) => new AttentionException("AttentionMarkChanged", EngineErrorKind.InvalidResult,
            $"{ConsoleText.Sanitize(vm, 100)}: the attention mark changed (or went) after it was read; nothing was removed. Read it again and decide on what it says now.");

        internal static AttentionException Unreadable(string vm, string why) => new AttentionException("AttentionMarkUnreadable", EngineErrorKind.ReadError,
            $"{ConsoleText.Sanitize(vm, 100)}: {why}");

        internal static AttentionException Unreachable(string vm, Exception inner) => new AttentionException("SshConnectFailed", EngineErrorKind.ConnectionError,
            $"{ConsoleText.Sanitize(vm, 100)}: {inner.Message}", inner);
    }
}
