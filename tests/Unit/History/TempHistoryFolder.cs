using System;
using System.IO;

namespace SysVmPatch.Tests.History
{
    /// <summary>A fresh folder for one test's history store, removed afterwards.</summary>
    internal sealed class TempHistoryFolder : IDisposable
    {
        public TempHistoryFolder()
        {
            Folder = Path.Combine(Path.GetTempPath(), "sysvmpatch-history-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Folder);
        }

        public string Folder { get; }

        public string StorePath => Path.Combine(Folder, "history.jsonl");

        public void Dispose()
        {
            try { Directory.Delete(Folder, recursive: true); }
            catch (IOException) { /* a leftover temp folder is not a test failure */ }
        }
    }
}
