using System;
using System.IO;
using System.Runtime.InteropServices;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.History
{
    public sealed class HistoryPathsTests
    {
        [Fact]
        public void AnExplicitPathWinsOverTheVariableWhichWinsOverTheDefault()
        {
            string? saved = Environment.GetEnvironmentVariable(HistoryPaths.EnvironmentVariable);
            using var temp = new TempHistoryFolder();
            try
            {
                string shared = Path.Combine(temp.Folder, "team", "audit.jsonl");
                Environment.SetEnvironmentVariable(HistoryPaths.EnvironmentVariable, shared);
                Assert.Equal(shared, HistoryPaths.Resolve(null));
                Assert.Equal(Path.Combine(temp.Folder, "mine.jsonl"), HistoryPaths.Resolve(Path.Combine(temp.Folder, "mine.jsonl")));

                Environment.SetEnvironmentVariable(HistoryPaths.EnvironmentVariable, null);
                string fallback = HistoryPaths.Resolve(null);
                Assert.Equal(Path.Combine(HistoryPaths.DefaultFolder(), "history.jsonl"), fallback);
                Assert.EndsWith(Path.Combine("SysVmPatch", "history.jsonl"), fallback);
            }
            finally
            {
                Environment.SetEnvironmentVariable(HistoryPaths.EnvironmentVariable, saved);
            }
        }

        [Fact]
        public void AFolderMeansTheHistoryFileInsideIt()
        {
            using var temp = new TempHistoryFolder();
            Assert.Equal(Path.Combine(temp.Folder, "history.jsonl"), HistoryPaths.Resolve(temp.Folder));
            Assert.Equal(Path.Combine(temp.Folder, "new", "history.jsonl"), HistoryPaths.Resolve(Path.Combine(temp.Folder, "new") + Path.DirectorySeparatorChar));
        }

        [Fact]
        public void TheDefaultFolderFollowsTheXdgDataHomeOnUnix()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                Assert.StartsWith(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), HistoryPaths.DefaultFolder());
                return;
            }
            string? saved = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            try
            {
                Environment.SetEnvironmentVariable("XDG_DATA_HOME", "/srv/data");
                Assert.Equal("/srv/data/SysVmPatch", HistoryPaths.DefaultFolder());
                Environment.SetEnvironmentVariable("XDG_DATA_HOME", "relative/ignored");
                Assert.EndsWith("/.local/share/SysVmPatch", HistoryPaths.DefaultFolder());
            }
            finally
            {
                Environment.SetEnvironmentVariable("XDG_DATA_HOME", saved);
            }
        }
    }
}
