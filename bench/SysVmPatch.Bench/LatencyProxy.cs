using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Bench
{
    /// <summary>
    /// A TCP relay in front of the fake management server that holds every chunk the client sends for a fixed
    /// time before passing it on: each HTTP request then costs that much more, as over a WAN or against a
    /// management server whose database takes a while per page. Answers pass through undelayed.
    /// </summary>
    public sealed class LatencyProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Uri _target;
        private readonly TimeSpan _delay;

        public LatencyProxy(Uri target, TimeSpan delay)
        {
            _target = target;
            _delay = delay;
            _listener.Start();
            _ = AcceptLoopAsync();
        }

        /// <summary>The target's URL with the relay's port.</summary>
        public Uri Endpoint => new UriBuilder(_target) { Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri;

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
                    client.NoDelay = server.NoDelay = true;
                    var up = PumpAsync(client.GetStream(), server.GetStream(), _delay);
                    var down = PumpAsync(server.GetStream(), client.GetStream(), TimeSpan.Zero);
                    await Task.WhenAny(up, down);
                }
                catch (Exception) { /* a closed connection ends the relay */ }
            }
        }

        private async Task PumpAsync(NetworkStream from, NetworkStream to, TimeSpan delay)
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
