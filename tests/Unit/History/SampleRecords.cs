using System;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Tests.History
{
    internal static class SampleRecords
    {
        public static readonly DateTimeOffset Epoch = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>Record number <paramref name="i"/>: its VM name and time both say which one it is.</summary>
        public static PatchHistoryRecord Numbered(int i, string runId = "run-1", string status = "Patched") => new PatchHistoryRecord
        {
            Time = Epoch.AddMinutes(i),
            Operation = PatchOperation.LivePatch,
            RunId = runId,
            VmId = "vm-id-" + i,
            VmName = $"r-{i}-VM",
            VmType = SystemVmType.Router,
            Zone = "zone1",
            Server = "ms1",
            FromVersion = "4.18.0",
            ToVersion = "4.19.1",
            FromSignature = "5c1f",
            ToSignature = "9e1f",
            Status = status,
            Duration = TimeSpan.FromSeconds(10),
            Steps = new[] { "Copy ok", "Install ok" },
        };
    }
}
