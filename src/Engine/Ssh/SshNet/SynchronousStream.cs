using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// A write-only wrapper whose async writes run inline: SSH.NET's channel stream blocks while the window is full,
    /// and the base class would move each write to a pool thread; the upload already has a thread of its own.
    /// </summary>
    internal sealed class SynchronousStream : Stream
    {
        private readonly Stream _inner;

        public SynchronousStream(Stream inner) => _inner = inner;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) { _inner.Flush(); return Task.CompletedTask; }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count)
        {
            _inner.Write(buffer, offset, count);
            if (count > 0) _wroteAny = true;
        }

        private bool _wroteAny;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                if (!_wroteAny) SendEndOfFile(_inner);
            }
            base.Dispose(disposing);
        }

        // SSH.NET's channel stream sends end-of-file on disposal only after some data: an empty upload would leave the
        // remote command waiting for input forever. Its channel's SendEof is not public, so it is called by name;
        // if a later SSH.NET renames it, the upload fails loudly instead of hanging.
        private static void SendEndOfFile(Stream channelStream)
        {
            var field = channelStream.GetType().GetField("_channel", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
            object? channel = field?.GetValue(channelStream);
            var sendEof = channel?.GetType().GetMethod("SendEof", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance, null, Type.EmptyTypes, null);
            if (sendEof == null) throw new InvalidOperationException("An empty upload cannot be ended with this SSH.NET version (no end-of-file for an empty stdin); use the OpenSSH transport.");
            sendEof.Invoke(channel, null);
        }
    }
}
