using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Keeps the history owner-only: it holds hypervisor addresses, VM names and check commands. On Unix the
    /// folder is made 0700 and every file 0600, whatever the umask, and files an older version left 0644 are
    /// tightened on the next write (netstandard2.0 has no Unix mode API, hence chmod from libc). On Windows a folder
    /// or file this user creates gets a protected DACL admitting only this user (<see cref="WindowsOwnerAcl"/>); an
    /// existing folder keeps its ACL, so a store a team shares through a folder it set up stays usable.
    /// </summary>
    internal static class OwnerOnly
    {
        /// <summary>How the store is made owner-only on this system.</summary>
        internal enum Protection { UnixMode, WindowsAcl }

        internal static Protection Kind { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Protection.WindowsAcl : Protection.UnixMode;

        /// <summary>Creates the folder if needed, then makes it owner-only (0700 where this user owns it; the user's ACL if new on Windows).</summary>
        public static void Folder(string path)
        {
            bool existed = Directory.Exists(path);
            Directory.CreateDirectory(path);
            if (Kind == Protection.UnixMode) Chmod(path, Convert.ToInt32("700", 8));
            else if (!existed) WindowsAcl(path, folder: true);
        }

        /// <summary>Makes an existing file owner-only (0600 where this user owns it; on Windows while it is still empty, i.e. new).</summary>
        public static void File(string path)
        {
            if (Kind == Protection.UnixMode) Chmod(path, Convert.ToInt32("600", 8));
            else if (new FileInfo(path).Length == 0) WindowsAcl(path, folder: false);
        }

        private static void Chmod(string path, int mode)
        {
            try
            {
                // A store shared through a folder another account owns cannot be changed by us: EPERM is ignored,
                // as the write itself will say whether it may go on.
                chmod(path, mode);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { }
        }

        private static void WindowsAcl(string path, bool folder)
        {
            // As with EPERM on Unix: a file another account owns (no WRITE_DAC for us) keeps its ACL, and the write
            // itself says whether it may go on.
            try { WindowsOwnerAcl.Restrict(path, folder); }
            catch (Exception e) when (e is Win32Exception || e is UnauthorizedAccessException || e is DllNotFoundException || e is EntryPointNotFoundException) { }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, int mode);
    }
}
