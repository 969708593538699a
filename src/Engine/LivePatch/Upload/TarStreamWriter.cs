using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.LivePatch.Upload
{
    /// <summary>
    /// Writes a plain ustar stream of a few flat files, so the whole payload goes up in one SSH command
    /// (`tar -xf -` on the VM) whatever the client platform.
    /// </summary>
    internal static class TarStreamWriter
    {
        public static async Task WriteFileAsync(Stream output, string name, Stream content, long length, CancellationToken ct)
        {
            await output.WriteAsync(Header(name, length), 0, 512, ct).ConfigureAwait(false);
            var buffer = new byte[81920];
            long left = length;
            while (left > 0)
            {
                int n = await content.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, left), ct).ConfigureAwait(false);
                if (n <= 0) throw new IOException($"{name} changed size while being uploaded.");
                await output.WriteAsync(buffer, 0, n, ct).ConfigureAwait(false);
                left -= n;
            }
            int pad = (int)((512 - length % 512) % 512);
            if (pad > 0) await output.WriteAsync(new byte[pad], 0, pad, ct).ConfigureAwait(false);
        }

        public static Task WriteBytesAsync(Stream output, string name, byte[] bytes, CancellationToken ct) =>
            WriteFileAsync(output, name, new MemoryStream(bytes), bytes.Length, ct);

        public static Task WriteEndAsync(Stream output, CancellationToken ct) => output.WriteAsync(new byte[1024], 0, 1024, ct);

        private static byte[] Header(string name, long size)
        {
            if (Encoding.ASCII.GetByteCount(name) > 99) throw new ArgumentException("tar name too long: " + name);
            var h = new byte[512];
            Put(h, 0, name);
            Put(h, 100, "0000644");
            Put(h, 108, "0000000");
            Put(h, 116, "0000000");
            Put(h, 124, Convert.ToString(size, 8).PadLeft(11, '0'));
            Put(h, 136, Convert.ToString(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 8).PadLeft(11, '0'));
            h[156] = (byte)'0';
            Put(h, 257, "ustar");
            Put(h, 263, "00");
            for (int i = 148; i < 156; i++) h[i] = (byte)' ';
            int sum = 0;
            foreach (byte b in h) sum += b;
            Put(h, 148, Convert.ToString(sum, 8).PadLeft(6, '0'));
            h[154] = 0;
            h[155] = (byte)' ';
            return h;
        }

        private static void Put(byte[] h, int at, string text) => Encoding.ASCII.GetBytes(text, 0, text.Length, h, at);
    }
}
