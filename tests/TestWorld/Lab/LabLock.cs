using System;
using System.IO;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// One lab per machine: the bridge and addresses are fixed. An exclusive flock on a file outside the lab root;
    /// the kernel drops it when the holder dies, however it dies, so a killed run never blocks the next one.
    /// </summary>
    internal sealed class LabLock : IDisposable
    {
        private FileStream? _stream;

        private LabLock(FileStream stream) { _stream = stream; }

        public static LabLock Acquire(string path)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix.
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                stream.SetLength(0);
                var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
                stream.Write(pid, 0, pid.Length);
                stream.Flush();
                return new LabLock(stream);
            }
            catch (IOException e)
            {
                string holder = "";
                try { holder = File.ReadAllText(path).Trim(); } catch (IOException) { }
                throw new InvalidOperationException($"Another namespace lab is running on this machine{(holder.Length > 0 ? " (process " + holder + ")" : "")}; only one can run at a time. Stop it (SysVmPatch.TestWorld down) or wait for it.", e);
            }
        }

        /// <summary>Waits up to <paramref name="wait"/> for a running lab to finish, then acquires or throws.</summary>
        public static async System.Threading.Tasks.Task<LabLock> AcquireAsync(string path, TimeSpan wait, Action<string>? log, System.Threading.CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + wait;
            bool told = false;
            while (true)
            {
                try { return Acquire(path); }
                catch (InvalidOperationException e) when (DateTime.UtcNow < deadline)
                {
                    if (!told) { log?.Invoke(e.Message + " Waiting up to " + wait.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s."); told = true; }
                    await System.Threading.Tasks.Task.Delay(250, ct).ConfigureAwait(false);
                }
            }
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
        }
    }
}
