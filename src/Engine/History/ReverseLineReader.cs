using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace SysVmPatch.Engine.History
{
    /// <summary>One line read from a history file, with where it starts.</summary>
    internal readonly struct RawLine
    {
        public RawLine(string text, long offset, bool isTail)
        {
            Text = text;
            Offset = offset;
            IsTail = isTail;
        }

        public string Text { get; }

        /// <summary>Byte offset of the line's first byte in its file.</summary>
        public long Offset { get; }

        /// <summary>
        /// The bytes after the file's last newline. Every complete record ends with a newline, so a non-empty
        /// tail is a write that never finished.
        /// </summary>
        public bool IsTail { get; }
    }

    /// <summary>
    /// Reads a file's lines last to first in fixed blocks from the end, so the newest records cost the
    /// same however large the file is.
    /// </summary>
    internal static class ReverseLineReader
    {
        public const int DefaultBlockSize = 64 * 1024;

        /// <summary>
        /// Lines of the first <paramref name="length"/> bytes of <paramref name="stream"/>, newest first. The
        /// first line yielded is always the tail (possibly empty). UTF-8 is split safely at '\n' because no
        /// multi-byte sequence contains that byte.
        /// </summary>
        public static IEnumerable<RawLine> Read(Stream stream, long length, CancellationToken cancellationToken, int blockSize = DefaultBlockSize)
        {
            byte[] pending = Array.Empty<byte>();
            long position = length;
            bool tail = true;
            while (position > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = (int)Math.Min(blockSize, position);
                position -= count;
                var buffer = new byte[count + pending.Length];
                stream.Seek(position, SeekOrigin.Begin);
                ReadExactly(stream, buffer, count);
                Buffer.BlockCopy(pending, 0, buffer, count, pending.Length);

                int segmentEnd = buffer.Length;
                // Only the new bytes can hold a newline: pending is the part of a line that had none.
                for (int i = count - 1; i >= 0; i--)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    yield return new RawLine(Decode(buffer, i + 1, segmentEnd - i - 1), position + i + 1, tail);
                    tail = false;
                    segmentEnd = i;
                }

                if (segmentEnd == buffer.Length) pending = buffer;
                else
                {
                    pending = new byte[segmentEnd];
                    Buffer.BlockCopy(buffer, 0, pending, 0, segmentEnd);
                }
            }
            if (pending.Length > 0 || tail) yield return new RawLine(Decode(pending, 0, pending.Length), 0, tail);
        }

        private static void ReadExactly(Stream stream, byte[] buffer, int count)
        {
            int done = 0;
            while (done < count)
            {
                int n = stream.Read(buffer, done, count - done);
                if (n <= 0) throw new EndOfStreamException("The history file became shorter while it was being read.");
                done += n;
            }
        }

        private static string Decode(byte[] bytes, int start, int count)
        {
            // Tolerate CRLF from a file someone edited on Windows.
            if (count > 0 && bytes[start + count - 1] == (byte)'\r') count--;
            return count == 0 ? "" : Encoding.UTF8.GetString(bytes, start, count);
        }
    }
}
