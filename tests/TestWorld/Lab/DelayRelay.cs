using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace SysVmPatch.TestWorld.NamespaceLab
{
    /// <summary>
    /// A one-way delay on a lab link, for the WAN mode of the benchmark. This kernel has no netem (and no fq, which
    /// would honour delivery times set by BPF), so the delay is a TCP relay: iptables REDIRECTs the namespace's
    /// outgoing connections to the link's far side into it, and it holds every chunk for <c>delay</c> in each
    /// direction, and a new connection for one round trip before its first byte, as a SYN/SYN-ACK would cost.
    /// What it does not model: TCP's own window over the delayed link (the relay reads as fast as the sender
    /// writes); SSH's channel windows, which decide how a delayed upload flows, pass through it unchanged.
    /// </summary>
    internal sealed class DelayRelay : IAsyncDisposable
    {
        private const int SolIp = 0, SoOriginalDst = 80, SolSocket = 1, SoMark = 36;
        private const int CloneNewNet = 0x40000000;
        /// <summary>The relay's own outgoing connections carry this mark, so the REDIRECT rule lets them pass.</summary>
        private const int RelayMark = 0x5e1a;
        private const string Chain = "SVPLAB_DELAY";

        private readonly string? _netns;
        private readonly TimeSpan _delay;
        private readonly Socket _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Socket> _open = new List<Socket>();

        private DelayRelay(string? netns, TimeSpan delay)
        {
            _netns = netns;
            _delay = delay;
            _listener = InNamespace(netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(512);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        /// <summary>
        /// Delays the TCP connections that <paramref name="netns"/> (null: the lab's root namespace) opens to
        /// <paramref name="destinations"/> (address or CIDR) by <paramref name="delay"/> each way.
        /// </summary>
        public static async Task<DelayRelay> StartAsync(string? netns, IEnumerable<string> destinations, TimeSpan delay, CancellationToken ct)
        {
            var relay = new DelayRelay(netns, delay);
            try
            {
                // A chain of its own, replaced whole: rules a killed run left behind in the root namespace go with it.
                await IptablesAsync(netns, ct, "-t", "nat", "-D", "OUTPUT", "-j", Chain).ConfigureAwait(false);
                await IptablesAsync(netns, ct, "-t", "nat", "-F", Chain).ConfigureAwait(false);
                await IptablesAsync(netns, ct, "-t", "nat", "-X", Chain).ConfigureAwait(false);
                await IptablesCheckedAsync(netns, ct, "-t", "nat", "-N", Chain).ConfigureAwait(false);
                foreach (string d in destinations)
                    await IptablesCheckedAsync(netns, ct, "-t", "nat", "-A", Chain, "-p", "tcp", "-d", d, "-m", "mark", "!", "--mark", RelayMark.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        "-j", "REDIRECT", "--to-ports", relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                await IptablesCheckedAsync(netns, ct, "-t", "nat", "-A", "OUTPUT", "-j", Chain).ConfigureAwait(false);
            }
            catch
            {
                await relay.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            _ = relay.AcceptLoopAsync();
            return relay;
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try { client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
                catch (Exception) { return; }
                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(Socket client)
        {
            Socket? server = null;
            try
            {
                client.NoDelay = true;
                var target = OriginalDestination(client);
                // The SYN and SYN-ACK of a real connection over the delayed link.
                await Task.Delay(_delay + _delay, _stop.Token).ConfigureAwait(false);
                server = InNamespace(_netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                server.SetRawSocketOption(SolSocket, SoMark, BitConverter.GetBytes(RelayMark));
                server.NoDelay = true;
                lock (_open) { _open.Add(client); _open.Add(server); }
                await server.ConnectAsync(target, _stop.Token).ConfigureAwait(false);
                await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
            }
            catch (Exception) { /* a closed or refused connection ends the relay of it, as the link would */ }
            finally
            {
                client.Dispose();
                server?.Dispose();
                lock (_open) { _open.Remove(client); if (server != null) _open.Remove(server); }
            }
        }

        // Reads as fast as the sender writes; each chunk leaves `delay` after it arrived, in order.
        private async Task PumpAsync(Socket from, Socket to)
        {
            var queue = Channel.CreateUnbounded<(long Due, byte[]? Data, int Length)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            long delayTicks = (long)(_delay.TotalSeconds * Stopwatch.Frequency);
            async Task ReadAsync()
            {
                try
                {
                    while (true)
                    {
                        var buffer = new byte[64 * 1024];
                        int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                        queue.Writer.TryWrite((Stopwatch.GetTimestamp() + delayTicks, n == 0 ? null : buffer, n));
                        if (n == 0) break;
                    }
                }
                finally { queue.Writer.TryComplete(); }
            }
            async Task WriteAsync()
            {
                await foreach (var (due, data, length) in queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    long wait = due - Stopwatch.GetTimestamp();
                    if (wait > 0) await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), _stop.Token).ConfigureAwait(false);
                    if (data == null) { to.Shutdown(SocketShutdown.Send); return; }
                    for (int sent = 0; sent < length;) sent += await to.SendAsync(data.AsMemory(sent, length - sent), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
            }
            try { await Task.WhenAll(ReadAsync(), WriteAsync()).ConfigureAwait(false); }
            catch (Exception)
            {
                // One side broke: the other learns it at once, as from a reset.
                try { from.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
                try { to.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            }
        }

        private static IPEndPoint OriginalDestination(Socket socket)
        {
            var sockaddr = new byte[16];
            int n = socket.GetRawSocketOption(SolIp, SoOriginalDst, sockaddr);
            if (n < 8) throw new SocketException((int)SocketError.AddressNotAvailable);
            int port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr.AsSpan(2, 2));
            return new IPEndPoint(new IPAddress(sockaddr.AsSpan(4, 4)), port);
        }

        // A socket belongs to the network namespace of the thread that created it: create it on a thread that has
        // joined the namespace, then use it from anywhere.
        private static T InNamespace<T>(string? netns, Func<T> create)
        {
            if (netns == null) return create();
            T result = default!;
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    using SafeFileHandle ns = File.OpenHandle("/run/netns/" + netns, FileMode.Open, FileAccess.Read);
                    if (SetNs(ns.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
                        throw new IOException($"setns into {netns} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
                    result = create();
                }
                catch (Exception e) { failure = e; }
            });
            thread.Start();
            thread.Join();
            if (failure != null) throw failure;
            return result;
        }

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "setns")]
        private static extern int SetNs(int fd, int nsType);

        private static IEnumerable<string> InNs(string? netns, IEnumerable<string> args)
        {
            if (netns != null) { yield return "netns"; yield return "exec"; yield return netns; }
            yield return "iptables";
            foreach (var a in args) yield return a;
        }

        private static Task<CommandResult> IptablesAsync(string? netns, CancellationToken ct, params string[] args) =>
            LabCommand.RunAsync(netns != null ? "ip" : "iptables", netns != null ? InNs(netns, args) : args, cancellationToken: ct);

        private static async Task IptablesCheckedAsync(string? netns, CancellationToken ct, params string[] args)
        {
            var r = await IptablesAsync(netns, ct, args).ConfigureAwait(false);
            if (!r.Succeeded) throw new InvalidOperationException($"iptables {string.Join(" ", args)}{(netns != null ? " in " + netns : "")} failed: {r.Output.Trim()}");
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Dispose();
            lock (_open) foreach (var s in _open) s.Dispose();
            // The root namespace outlives the lab: take the redirect out. A host's goes with its namespace.
            if (_netns == null)
            {
                await IptablesAsync(null, CancellationToken.None, "-t", "nat", "-D", "OUTPUT", "-j", Chain).ConfigureAwait(false);
                await IptablesAsync(null, CancellationToken.None, "-t", "nat", "-F", Chain).ConfigureAwait(false);
                await IptablesAsync(null, CancellationToken.None, "-t", "nat", "-X", Chain).ConfigureAwait(false);
            }
        }
    }
}
