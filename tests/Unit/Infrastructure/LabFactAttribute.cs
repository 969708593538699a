using System;
using System.IO;

namespace SysVmPatch.Tests.Infrastructure
{
    /// <summary>
    /// A fact that needs the namespace lab (root, Linux, sshd). Where a requirement is missing the test is
    /// reported as skipped with the reason, never silently passed.
    /// </summary>
    public sealed class LabFactAttribute : FactAttribute
    {
        public LabFactAttribute()
        {
            var why = LabRequirements.Missing();
            if (why != null) Skip = why;
        }
    }

    public static class LabRequirements
    {
        /// <summary>Null when this machine can build the lab; otherwise why not.</summary>
        public static string? Missing()
        {
            if (!OperatingSystem.IsLinux()) return "needs Linux network namespaces";
            if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal)) return "needs root for network namespaces";
            if (!File.Exists("/usr/sbin/sshd")) return "needs /usr/sbin/sshd (apt-get install openssh-server)";
            if (!File.Exists("/usr/bin/unshare")) return "needs unshare (util-linux)";
            return null;
        }
    }
}
