using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SysVmPatch.Engine.History
{
    /// <summary>Where the history lives: an explicit path, else $SYSVMPATCH_HISTORY_PATH, else the user's data folder.</summary>
    public static class HistoryPaths
    {
        /// <summary>The environment variable a team sets so scheduled tasks share one store.</summary>
        public const string EnvironmentVariable = "SYSVMPATCH_HISTORY_PATH";

        /// <summary>The store's file name inside a folder.</summary>
        public const string FileName = "history.jsonl";

        /// <summary>
        /// The full path of the current history file. A path naming an existing folder (or ending in a
        /// separator) means <see cref="FileName"/> inside it.
        /// </summary>
        public static string Resolve(string? explicitPath)
        {
            string? chosen = explicitPath;
            if (string.IsNullOrWhiteSpace(chosen)) chosen = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(chosen)) return Path.Combine(DefaultFolder(), FileName);

            string path = Path.GetFullPath(chosen);
            bool namesFolder = Directory.Exists(path)
                || chosen!.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal)
                || chosen.EndsWith(Path.AltDirectorySeparatorChar.ToString(), StringComparison.Ordinal);
            return namesFolder ? Path.Combine(path, FileName) : path;
        }

        /// <summary>
        /// %LOCALAPPDATA%\SysVmPatch on Windows; $XDG_DATA_HOME/SysVmPatch or ~/.local/share/SysVmPatch elsewhere
        /// (macOS included, on purpose: the same place as Linux, not ~/Library).
        /// </summary>
        public static string DefaultFolder()
        {
            string root;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                root = Environment.GetEnvironmentVariable("LOCALAPPDATA") ?? "";
                if (root.Length == 0) root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            }
            else
            {
                root = Environment.GetEnvironmentVariable("XDG_DATA_HOME") ?? "";
                // The XDG spec says a relative value is invalid and must be ignored.
                if (root.Length == 0 || !Path.IsPathRooted(root))
                {
                    string home = Environment.GetEnvironmentVariable("HOME") ?? "";
                    if (home.Length == 0) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                    root = Path.Combine(home, ".local", "share");
                }
            }
            return Path.Combine(root, "SysVmPatch");
        }
    }
}
