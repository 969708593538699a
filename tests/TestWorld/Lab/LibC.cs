using System.Runtime.InteropServices;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>The few libc calls the lab needs that .NET does not expose (signals to foreign pids, xattrs, lazy unmount).</summary>
    internal static class LibC
    {
        public const int SIGKILL = 9;
        public const int SIGTERM = 15;
        public const int MNT_DETACH = 2;

        [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
        public static extern int Kill(int pid, int signal);

        [DllImport("libc", SetLastError = true, EntryPoint = "setxattr")]
        public static extern int SetXattr(string path, string name, byte[] value, nuint size, int flags);

        [DllImport("libc", SetLastError = true, EntryPoint = "umount2")]
        public static extern int Umount2(string target, int flags);

        [DllImport("libc", SetLastError = true, EntryPoint = "mount")]
        public static extern int Mount(string source, string target, string fsType, ulong flags, string? data);

        [DllImport("libc", EntryPoint = "getpid")]
        public static extern int GetPid();
    }
}
