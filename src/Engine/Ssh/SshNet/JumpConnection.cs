using System;
using System.Collections.Concurrent;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// One connection to a jump (hypervisor) host, shared by every VM behind it. Each VM gets a local forward on
    /// 127.0.0.1 with a port the system picks, opened when its session opens and stopped when it closes.
    /// </summary>
    internal sealed class JumpConnection : IDisposable
    {
        private readonly SshClient _client;
        private readonly JumpConnection? _outer;
        private readonly ForwardedPortLocal? _viaOuter;
        private readonly ConcurrentDictionary<ForwardedPortLocal, string> _failures = new ConcurrentDictionary<ForwardedPortLocal, string>();
        private readonly object _ports = new object();

        public JumpConnection(SshClient client, SshHop hop, JumpConnection? outer, ForwardedPortLocal? viaOuter)
        {
            _client = client;
            Hop = hop;
            _outer = outer;
            _viaOuter = viaOuter;
        }

        public SshHop Hop { get; }
        public bool IsConnected => _client.IsConnected;

        public ForwardedPortLocal Forward(string host, int port)
        {
            var forward = new ForwardedPortLocal("127.0.0.1", 0, host, (uint)port);
            // The host's refusal to open the channel (the VM is down, or not reachable from it) arrives here.
            forward.Exception += (_, e) => _failures[forward] = e.Exception.Message;
            try
            {
                lock (_ports) _client.AddForwardedPort(forward);
                forward.Start();
            }
            catch (Exception ex) when (ex is SshConnectionException || ex is InvalidOperationException || ex is System.Net.Sockets.SocketException)
            {
                lock (_ports) _client.RemoveForwardedPort(forward);
                forward.Dispose();
                throw new SshException(SshErrorKind.JumpHostFailed, $"jump host {Hop} could not forward to {host}:{port} ({ex.Message})", Hop.ToString(), ex);
            }
            return forward;
        }

        /// <summary>Why the host could not open the forward's channel, if it could not.</summary>
        public string? ForwardFailed(ForwardedPortLocal forward) => _failures.TryGetValue(forward, out var reason) ? reason : null;

        public void Close(ForwardedPortLocal forward)
        {
            _failures.TryRemove(forward, out _);
            try { forward.Stop(); } catch (Exception ex) when (ex is Renci.SshNet.Common.SshException || ex is ObjectDisposedException || ex is InvalidOperationException) { }
            lock (_ports)
            {
                try { _client.RemoveForwardedPort(forward); } catch (ObjectDisposedException) { }
            }
            forward.Dispose();
        }

        public void Dispose()
        {
            try { _client.Disconnect(); } catch (Exception ex) when (ex is Renci.SshNet.Common.SshException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is System.Net.Sockets.SocketException) { }
            _client.Dispose();
            if (_viaOuter != null) _outer!.Close(_viaOuter);
        }
    }
}
