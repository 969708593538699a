using System;
using System.Globalization;
using SysVmPatch.Engine.History;

namespace SysVmPatch.HistoryWriter
{
    /// <summary>
    /// Appends <c>count</c> records to the store at <c>path</c>, one append per record, as writer <c>writer</c>:
    /// run id "writer-W", VM names "wW-vm-I", so the reader can tell exactly which records arrived.
    /// Usage: SysVmPatch.HistoryWriter &lt;path&gt; &lt;writer&gt; &lt;count&gt; [maxBytes]
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length < 3)
            {
                Console.Error.WriteLine("usage: SysVmPatch.HistoryWriter <path> <writer> <count> [maxBytes]");
                return 2;
            }
            string path = args[0];
            int writer = int.Parse(args[1], CultureInfo.InvariantCulture);
            int count = int.Parse(args[2], CultureInfo.InvariantCulture);
            long maxBytes = args.Length > 3 ? long.Parse(args[3], CultureInfo.InvariantCulture) : HistoryStore.DefaultMaxBytes;
            var store = new HistoryStore(path) { MaxBytes = maxBytes, MaxRotatedFiles = 100_000 };

            for (int i = 0; i < count; i++)
            {
                store.Append(new PatchHistoryRecord
                {
                    Operation = PatchOperation.LivePatch,
                    RunId = "writer-" + writer.ToString(CultureInfo.InvariantCulture),
                    VmId = Guid.NewGuid().ToString(),
                    VmName = $"w{writer}-vm-{i}",
                    Zone = "zone1",
                    FromSignature = "5c1f0000000000000000000000000000",
                    ToSignature = "9e1f0000000000000000000000000000",
                    Status = "Patched",
                    Duration = TimeSpan.FromMilliseconds(i),
                    Steps = new[] { "Copy ok", "Install ok", "Validate ok" },
                });
            }
            return 0;
        }
    }
}
