using System;
using System.IO;
using System.Text;

namespace SysVmPatch.Engine.Ssh
{
    /// <summary>
    /// One output stream of a remote command, kept up to a limit: the rest is read and thrown away (so the remote
    /// side never blocks on a full pipe and a command that writes without end cannot fill memory), and
    /// <see cref="Truncated"/> says it happened. Written by one reader thread; read once that reader has stopped.
    /// </summary>
    internal sealed class BoundedOutput
    {
        private readonly MemoryStream _kept = new MemoryStream();
        private readonly long _limit;
        private readonly object _gate = new object();

        public BoundedOutput(long? limit) { _limit = limit ?? long.MaxValue; }

        public bool Truncated { get; private set; }

        public void Write(byte[] buffer, int offset, int count)
        {
            lock (_gate)
            {
                long room = _limit - _kept.Length;
                int keep = (int)Math.Min(count, Math.Max(0, room));
                if (keep > 0) _kept.Write(buffer, offset, keep);
                if (keep < count) Truncated = true;
            }
        }

        /// <summary>Reads <paramref name="source"/> to its end, keeping what fits.</summary>
        public void ReadToEnd(Stream source)
        {
            var buffer = new byte[32 * 1024];
            int n;
            while ((n = source.Read(buffer, 0, buffer.Length)) > 0) Write(buffer, 0, n);
        }

        /// <summary>What was kept, as text (see <see cref="LineText"/>).</summary>
        public string Text()
        {
            lock (_gate) return LineText(_kept.GetBuffer(), (int)_kept.Length);
        }

        /// <summary>
        /// UTF-8 bytes as text line by line, each ended by "\n" (as .NET's line reader splits: \r\n, \r or \n), so
        /// both transports hand callers the same text whether they read lines or raw bytes.
        /// </summary>
        public static string LineText(byte[] bytes, int count)
        {
            var reader = new StringReader(new UTF8Encoding(false).GetString(bytes, 0, count));
            var text = new StringBuilder();
            string? line;
            while ((line = reader.ReadLine()) != null) text.Append(line).Append('\n');
            return text.ToString();
        }
    }
}
