using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// The form body of a command that changes something, which can be written to the wire once. HTTP stacks send
    /// a request again by themselves when the connection closes before any answer (SocketsHttpHandler does so
    /// even on a fresh connection, HttpWebRequest on a kept-alive one); the second write then fails here instead of
    /// reaching CloudStack, and the client asks CloudStack what happened.
    /// </summary>
    internal sealed class SendOnceContent : HttpContent
    {
        private readonly byte[] _body;
        private int _written;

        public SendOnceContent(string form)
        {
            _body = Encoding.UTF8.GetBytes(form);
            Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            if (Interlocked.Exchange(ref _written, 1) != 0)
                throw new InvalidOperationException("the HTTP stack tried to send this request a second time; SysVmPatch sends a change once");
            return stream.WriteAsync(_body, 0, _body.Length);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
