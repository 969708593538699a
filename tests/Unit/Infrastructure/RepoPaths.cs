using System;
using System.IO;

namespace SysVmPatch.Tests.Infrastructure
{
    /// <summary>Where things are in the repository, found from the test binaries upwards.</summary>
    public static class RepoPaths
    {
        private static readonly Lazy<string> RootLazy = new Lazy<string>(() =>
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "SysVmPatch.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find SysVmPatch.sln above " + AppContext.BaseDirectory);
        });

        public static string Root => RootLazy.Value;

        public static string Combine(params string[] parts) => Path.Combine(Root, Path.Combine(parts));

        /// <summary>The configuration these tests were built in (Debug or Release), read from the output path.</summary>
        public static string Configuration =>
            AppContext.BaseDirectory.Replace('\\', '/').Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

        /// <summary>The cmdlet assembly built alongside the tests.</summary>
        public static string CmdletAssembly => Combine("src", "Cmdlets", "bin", Configuration, "netstandard2.0", "SysVmPatch.dll");
    }
}
