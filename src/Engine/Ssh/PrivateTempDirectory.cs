using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// A short, owner-only temporary directory for the run's ssh_config files and control sockets. Short because
    /// a Unix socket path must fit in about 100 bytes; owner-only because a control socket is a logged-in session.
    /// </summary>
    internal sealed class PrivateTempDirectory : IDisposable
    {
        public string Path { get; }

        public PrivateTempDirectory()
        {
            string root = SshExecutable.IsWindows ? System.IO.Path.GetTempPath() : "/tmp";
            for (int attempt = 0; ; attempt++)
            {
                string candidate = System.IO.Path.Combine(root, "svp-" + Guid.NewGuid().ToString("N").Substring(0, 10));
                if (TryCreate(candidate)) { Path = candidate; return; }
                if (attempt > 5) throw new IOException("Could not create a private temporary directory under " + root);
            }
        }

        private static bool TryCreate(string path)
        {
            if (SshExecutable.IsWindows)
            {
                if (Directory.Exists(path)) return false;
                Directory.CreateDirectory(path);
                return true;
            }
            // Created 0700 in one call so there is no moment where another user could put a socket in it.
            return mkdir(path, Convert.ToInt32("700", 8)) == 0;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int mkdir(string path, int mode);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
