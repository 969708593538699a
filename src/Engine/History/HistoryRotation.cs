using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// The store's size-rotated older files (history.1.jsonl, history.2.jsonl... oldest last): their names, and
    /// the rotation an append does when the current file is full. Called only under the writers' lock.
    /// </summary>
    internal sealed class HistoryRotation
    {
        private readonly string _current;
        private readonly string _folder;
        private readonly string _stem;
        private readonly string _extension;

        public HistoryRotation(string currentPath)
        {
            _current = currentPath;
            _folder = Path.GetDirectoryName(currentPath) ?? ".";
            _stem = Path.GetFileNameWithoutExtension(currentPath);
            _extension = Path.GetExtension(currentPath);
        }

        /// <summary>Rotates when <paramref name="incoming"/> bytes would take the current file past <paramref name="maxBytes"/>; 0 never rotates.</summary>
        public void RotateIfFull(int incoming, long maxBytes, int maxRotatedFiles)
        {
            if (maxBytes <= 0) return;
            var current = new FileInfo(_current);
            if (!current.Exists || current.Length == 0 || current.Length + incoming <= maxBytes) return;

            try
            {
                // Oldest first, so each move lands on a name that is already free; gaps a crash left are harmless.
                foreach (var (number, path) in Existing().OrderByDescending(r => r.Number))
                {
                    if (number >= maxRotatedFiles) File.Delete(path);
                    else File.Move(path, RotatedPath(number + 1));
                }
                if (maxRotatedFiles > 0) File.Move(_current, RotatedPath(1));
                else File.Delete(_current);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Some other program holds a file without sharing delete (an editor on Windows). The record
                // matters more than the size limit: append to the current file and rotate next time. Moves
                // made so far only leave a gap in the numbering, which readers step over.
            }
        }

        /// <summary>Rotated files that exist, by number ascending (newest first).</summary>
        public List<(int Number, string Path)> Existing()
        {
            var found = new List<(int, string)>();
            if (!Directory.Exists(_folder)) return found;
            foreach (var path in Directory.EnumerateFiles(_folder, _stem + ".*" + _extension))
            {
                string name = Path.GetFileName(path);
                int middle = name.Length - _stem.Length - 1 - _extension.Length;
                if (middle <= 0 || !name.EndsWith(_extension, StringComparison.Ordinal)) continue;
                string digits = name.Substring(_stem.Length + 1, middle);
                if (digits.All(c => c >= '0' && c <= '9')
                    && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0)
                    found.Add((number, path));
            }
            found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
            return found;
        }

        private string RotatedPath(int number) =>
            Path.Combine(_folder, _stem + "." + number.ToString(CultureInfo.InvariantCulture) + _extension);
    }
}
