using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace SysVmPatch.Tests.History
{
    /// <summary>
    /// Finds (building it if needed) tests/HistoryWriter, the console program that appends records from a
    /// separate process, and starts it.
    /// </summary>
    internal static class HistoryWriterProcess
    {
        private static readonly object BuildGate = new object();

        public static Process Start(string storePath, int writer, int count, long maxBytes)
        {
            var info = new ProcessStartInfo(DotnetHost())
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            info.ArgumentList.Add(WriterDll());
            info.ArgumentList.Add(storePath);
            info.ArgumentList.Add(writer.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(maxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return Process.Start(info) ?? throw new InvalidOperationException("could not start the history writer");
        }

        private static string DotnetHost() =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

        private static string WriterDll()
        {
            // This assembly lives in tests/Unit/bin/<Configuration>/<tfm>/; the writer is built the same way.
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = baseDir.Name;
            string configuration = baseDir.Parent!.Name;
            string root = RepositoryRoot(baseDir);
            string project = Path.Combine(root, "tests", "HistoryWriter", "SysVmPatch.HistoryWriter.csproj");
            string dll = Path.Combine(root, "tests", "HistoryWriter", "bin", configuration, tfm, "SysVmPatch.HistoryWriter.dll");
            lock (BuildGate)
            {
                if (!File.Exists(dll)) Build(project, configuration);
            }
            if (!File.Exists(dll)) throw new FileNotFoundException("the history writer was not built", dll);
            return dll;
        }

        private static void Build(string project, string configuration)
        {
            // `dotnet test tests/Unit` alone does not build the writer (the solution build does).
            var info = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "build", project, "-c", configuration, "--nologo", "-v", "q" }) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("building the history writer failed:\n" + output);
        }

        private static string RepositoryRoot(DirectoryInfo start)
        {
            for (var dir = start; dir != null; dir = dir.Parent)
            {
                if (dir.GetFiles("SysVmPatch.sln").Any()) return dir.FullName;
            }
            throw new DirectoryNotFoundException("SysVmPatch.sln not found above " + start.FullName);
        }
    }
}
