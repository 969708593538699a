using System;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// A connection that breaks in the middle of a transfer. While set, the VM's link is shaped (so a transfer takes
    /// long enough to be interrupted) and a watcher looks at the files being written under the VM's /var/cache/cloud
    /// and /tmp; when one written since the fault was armed grows past the limit, every sshd session process of the
    /// VM is killed (never the listener), so the client sees its connection drop. It re-arms after each drop:
    /// a retry that rewrites the file breaks again, up to <c>times</c> drops.
    /// </summary>
    internal sealed class DropFault
    {
        private static readonly string[] WatchedDirectories = { "var/cache/cloud", "tmp" };
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public DropFault(VmRuntime vm, string upperDirectory, string dropLog, long bytes, int times)
        {
            Bytes = bytes;
            _loop = Task.Run(() => WatchAsync(vm, upperDirectory, dropLog, bytes, times, _stop.Token));
        }

        public long Bytes { get; }
        public int Drops { get; private set; }

        public async Task StopAsync()
        {
            _stop.Cancel();
            try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
            _stop.Dispose();
        }

        private async Task WatchAsync(VmRuntime vm, string upper, string dropLog, long bytes, int times, CancellationToken ct)
        {
            var armedAt = DateTime.UtcNow;
            while (!ct.IsCancellationRequested && Drops < times)
            {
                var (file, size) = FindGrownFile(upper, bytes, armedAt);
                if (file != null)
                {
                    int killed = KillSessions(vm);
                    Drops++;
                    armedAt = DateTime.UtcNow;
                    File.AppendAllText(dropLog, string.Create(CultureInfo.InvariantCulture,
                        $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} dropped {killed} session processes: /{Path.GetRelativePath(upper, file)} reached {size} bytes\n"));
                }
                await Task.Delay(5, ct).ConfigureAwait(false);
            }
        }

        private static (string? File, long Size) FindGrownFile(string upper, long bytes, DateTime armedAt)
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            foreach (var dir in WatchedDirectories)
            {
                string root = Path.Combine(upper, dir);
                if (!Directory.Exists(root)) continue;
                try
                {
                    foreach (var info in new DirectoryInfo(root).EnumerateFiles("*", options))
                        if (info.Length > bytes && info.LastWriteTimeUtc >= armedAt) return (info.FullName, info.Length);
                }
                catch (IOException) { /* a file vanished while listing: look again next round */ }
            }
            return (null, 0);
        }

        private static int KillSessions(VmRuntime vm)
        {
            int? listener = vm.ListenerPid;
            if (listener == null) return 0;
            int killed = 0;
            // The whole tree under the listener: the per-connection monitor, its privilege-separated child and the
            // session's programs (scp, sftp-server, shell); killing only the monitor would leave the socket open.
            foreach (int pid in ProcTable.Descendants(listener.Value))
                if (LibC.Kill(pid, LibC.SIGKILL) == 0) killed++;
            return killed;
        }
    }
}
