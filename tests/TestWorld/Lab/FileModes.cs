using System;
using System.IO;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    internal static class FileModes
    {
        /// <summary>chmod with an octal string ("755", "1777"); the lab only runs on Linux.</summary>
        public static void Set(string path, string octal)
        {
            if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("The namespace lab needs Linux.");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(octal, 8));
        }
    }
}
