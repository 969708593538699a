using System;
using System.IO;
using System.Text;
using SysVmPatch.Engine.Errors;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>A plan on disk: written whole or not at all, read with a size limit before it is parsed.</summary>
    public static class PlanFile
    {
        /// <summary>No real plan comes near this (a VM is about 700 bytes); a larger file is refused unread.</summary>
        public const long MaxBytes = 32L * 1024 * 1024;

        /// <summary>Writes the plan to <paramref name="path"/> through a temporary file renamed into place, so a reader never sees half a plan.</summary>
        public static void Write(string path, SavedLivePatchPlan plan)
        {
            string full = Path.GetFullPath(path);
            string temp = full + ".tmp-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                File.WriteAllText(temp, PlanJson.Write(plan), new UTF8Encoding(false));
                if (File.Exists(full)) File.Replace(temp, full, null);
                else File.Move(temp, full);
            }
            finally { if (File.Exists(temp)) File.Delete(temp); }
        }

        /// <summary>Reads and checks the plan at <paramref name="path"/>; every failure is a <see cref="PlanException"/> naming the file.</summary>
        public static SavedLivePatchPlan Read(string path)
        {
            string text;
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists) throw PlanException.Unreadable($"The plan file '{path}' does not exist.");
                if (info.Length > MaxBytes) throw PlanException.Unreadable($"The plan file '{path}' is {info.Length} bytes, more than any plan ({MaxBytes}); refused unread.");
                text = File.ReadAllText(path, new UTF8Encoding(false, true));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is DecoderFallbackException || e is ArgumentException || e is NotSupportedException)
            {
                throw PlanException.Unreadable($"The plan file '{path}' cannot be read: {e.Message}");
            }
            return PlanReader.Parse(text, $"The plan file '{path}'");
        }
    }
}
