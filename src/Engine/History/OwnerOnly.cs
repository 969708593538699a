using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// Keeps the history owner-only: it holds hypervisor addresses, VM names and check commands. On Unix the
    /// folder is made 0700 and every file 0600, whatever the umask, and files an older version left 0644 are
    /// tightened on the next write. netstandard2.0 has no Unix mode API, hence chmod from libc. On Windows the
    /// default folder lies under %LOCALAPPDATA%, whose inherited ACL already admits only the user (and SYSTEM
    /// and Administrators); netstandard2.0 offers no ACL API without an extra package, so nothing more is set there.
    /// </summary>
    internal static class OwnerOnly
    {
        private static readonly bool IsUnix = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Creates the folder if needed, then makes it 0700 (where this user owns it).</summary>
        public static void Folder(string path)
        {
            Directory.CreateDirectory(path);
            Restrict(path, Convert.ToInt32("700", 8));
        }

        /// <summary>Makes an existing file 0600 (where this user owns it).</summary>
        public static void File(string path) => Restrict(path, Convert.ToInt32("600", 8));

        private static void Restrict(string path, int mode)
        {
            if (!IsUnix) return;
            try
            {
                // A store shared through a folder another account owns cannot be changed by us: EPERM is ignored,
                // as the write itself will say whether it may go on.
                chmod(path, mode);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException) { }
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(string path, int mode);
    }
}
