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

    /// <summary>A theory that needs the namespace lab; skipped with the reason where it cannot run.</summary>
    public sealed class LabTheoryAttribute : TheoryAttribute
    {
        public LabTheoryAttribute()
        {
            var why = LabRequirements.Missing();
            if (why != null) Skip = why;
        }
    }

    public static class LabRequirements
    {
        /// <summary>Null when this machine can build the lab; otherwise why not.</summary>
        public static string? Missing() => Cached.Value;

        private static readonly Lazy<string?> Cached = new Lazy<string?>(() =>
        {
            var why = SysVmPatch.TestWorld.NamespaceLab.Lab.MissingRequirement();
            return why is null ? null : "the namespace lab " + why;
        });
    }
}
