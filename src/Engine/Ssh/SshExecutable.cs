using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>Finds the OpenSSH client on PATH (ssh.exe on Windows, where it ships in System32\OpenSSH).</summary>
    public static class SshExecutable
    {
        public static bool IsWindows => RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static string Find()
        {
            string name = IsWindows ? "ssh.exe" : "ssh";
            string? path = Environment.GetEnvironmentVariable("PATH");
            if (path != null)
            {
                foreach (string dir in path.Split(Path.PathSeparator))
                {
                    if (dir.Length == 0) continue;
                    string candidate = Path.Combine(dir.Trim('"'), name);
                    if (File.Exists(candidate)) return candidate;
                }
            }
            if (IsWindows)
            {
                string system = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), "OpenSSH", name);
                if (File.Exists(system)) return system;
            }
            throw new SshException(SshErrorKind.ClientMissing, "No OpenSSH client (" + name + ") was found on PATH; install OpenSSH client.");
        }
    }
}
