using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;

namespace SysVmPatch.Engine.Ssh.SshNet
{
    /// <summary>
    /// SSH.NET as the transport: one connection per jump (hypervisor) host, shared by every VM behind it, each VM
    /// reached through its own local forward on 127.0.0.1 (port 0) that lives as long as the VM's session; one
    /// connection per VM for all of its commands and uploads. Host keys are checked against known_hosts under each
    /// hop's real address, failing closed.
    /// </summary>
    public sealed class SshNetClient : ISshClient
    {
        private readonly SshNetClientOptions _options;
        private readonly KeySource _keys;
        private readonly ConcurrentDictionary<string, Lazy<KnownHosts>> _knownHosts = new ConcurrentDictionary<string, Lazy<KnownHosts>>();
        private readonly ConcurrentDictionary<string, Lazy<Task<JumpConnection>>> _jumps = new ConcurrentDictionary<string, Lazy<Task<JumpConnection>>>();
        private int _connections;
        private int _jumpConnections;
        private int _liveTargets;
        private int _disposed;

        public SshNetClient(SshNetClientOptions? options = null)
        {
            _options = options ?? new SshNetClientOptions();
            _keys = new KeySource(_options.KeyPassphrase);
            if (_options.SizeThreadPool) EnsureThreads(Math.Min(_options.Parallelism, MaxSizedSessions));
        }

        public bool SharesConnections => true;
        /// <summary>Handshakes with VMs (the OpenSSH transport's figure: jump hops not included).</summary>
        public int ConnectionsOpened => Volatile.Read(ref _connections);
        /// <summary>Handshakes with jump hosts: one per host per run while its connection holds.</summary>
        public int JumpConnectionsOpened => Volatile.Read(ref _jumpConnections);

        // Inside SSH.NET each VM's forward pumps its socket on a pool thread for as long as the VM's connection lives
        // (the accept callback runs the channel's blocking read loop), and connecting and closing wait synchronously
        // on pool threads. With the pool's default minimum (one per core) it adds threads slowly once all are
        // blocked, and 16 VMs at once then finish their commands one or two at a time, 1-2 s apart (bench/README.md,
        // findings). So the minimum follows the VMs connected right now, whatever the caller guessed as its
        // parallelism. SetMinThreads refuses (returns false, changes nothing) a value above the pool's maximum, so
        // the wish is bounded well below it.
        private const int MaxSizedSessions = 256;

        private static void EnsureThreads(int sessions)
        {
            int wanted = 16 + 4 * Math.Max(1, Math.Min(sessions, MaxSizedSessions));
            ThreadPool.GetMinThreads(out int workers, out int io);
            ThreadPool.GetMaxThreads(out int maxWorkers, out _);
            wanted = Math.Min(wanted, maxWorkers);
            if (workers < wanted) ThreadPool.SetMinThreads(wanted, io);
        }

        public Task<ISshSession> OpenAsync(string vmName, SshRoute route, CancellationToken cancellationToken) =>
            OpenAsync(vmName, route, null, cancellationToken);

        public async Task<ISshSession> OpenAsync(string vmName, SshRoute route, string? openingCommand, CancellationToken cancellationToken)
        {
            if (route == null) throw new ArgumentNullException(nameof(route));
            if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(SshNetClient));
            var (client, release) = await ConnectTargetAsync(vmName, route, cancellationToken).ConfigureAwait(false);
            var session = new SshNetSession(vmName, route, client, release, ct => ConnectTargetAsync(vmName, route, ct));
            if (openingCommand != null)
            {
                try { await session.OpenWithAsync(openingCommand, cancellationToken).ConfigureAwait(false); }
                catch { session.Dispose(); throw; }
            }
            return session;
        }

        // The VM's own connection, through its host's shared connection and a forward of its own when it has a jump.
        private async Task<(SshClient Client, Action Release)> ConnectTargetAsync(string vmName, SshRoute route, CancellationToken cancellationToken)
        {
            ForwardedPortLocal? forward = null;
            JumpConnection? jump = null;
            string where = route.Jumps.Count == 0 ? route.Target.ToString() : $"{route.Target} via {route.Jumps[route.Jumps.Count - 1]}";
            if (route.Jumps.Count > 0)
            {
                jump = await JumpAsync(vmName, route, route.Jumps.Count - 1, cancellationToken).ConfigureAwait(false);
                forward = jump.Forward(route.Target.Host, route.Target.Port);
            }
            int live = Interlocked.Increment(ref _liveTargets);
            if (_options.SizeThreadPool) EnsureThreads(live);
            bool connected = false;
            try
            {
                var client = await ConnectAsync(vmName, route, route.Target, forward, where, isJump: false, cancellationToken).ConfigureAwait(false);
                connected = true;
                return (client, () =>
                {
                    Interlocked.Decrement(ref _liveTargets);
                    if (forward != null) jump!.Close(forward);
                });
            }
            catch (SshException ex) when (forward != null && (ex.Kind == SshErrorKind.ConnectionLost || ex.Kind == SshErrorKind.ConnectionTimedOut || ex.Kind == SshErrorKind.Unknown))
            {
                // The host could not open the forward's channel (the VM is down or unreachable from it): its refusal
                // comes on another thread, possibly after the local side has seen the connection close.
                string? reason = jump!.ForwardFailed(forward);
                for (int i = 0; reason == null && i < 20; i++) { await Task.Delay(100, CancellationToken.None).ConfigureAwait(false); reason = jump.ForwardFailed(forward); }
                jump.Close(forward);
                if (reason == null && ex.Kind != SshErrorKind.ConnectionLost) throw;
                var last = route.Jumps[route.Jumps.Count - 1];
                throw new SshException(SshErrorKind.JumpHostFailed, $"{vmName}: jump host {last} could not reach {route.Target.Host}:{route.Target.Port} ({reason ?? "the connection through it closed before the VM answered"})", last.ToString(), ex);
            }
            catch
            {
                if (forward != null) jump!.Close(forward);
                throw;
            }
            finally
            {
                if (!connected) Interlocked.Decrement(ref _liveTargets);
            }
        }

        // The jump hop at index i, connected once per run and shared; a broken or failed one is replaced on next use.
        private async Task<JumpConnection> JumpAsync(string vmName, SshRoute route, int index, CancellationToken cancellationToken)
        {
            string key = string.Join(" ", route.Jumps.Take(index + 1).Select(h => h + "|" + h.IdentityFile)) + "|" + route.KnownHostsFile + "|" + route.StrictHostKeyChecking
                + "|" + string.Join(",", route.ExtraOptions.Select(o => o.Key + "=" + o.Value));
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var lazy = _jumps.GetOrAdd(key, _ => new Lazy<Task<JumpConnection>>(() => ConnectJumpAsync(vmName, route, index)));
                var entry = new KeyValuePair<string, Lazy<Task<JumpConnection>>>(key, lazy);
                JumpConnection jump;
                // A failed connection is not kept: the next VM behind that host tries again, as with OpenSSH.
                try { jump = await lazy.Value.ConfigureAwait(false); }
                catch { ((ICollection<KeyValuePair<string, Lazy<Task<JumpConnection>>>>)_jumps).Remove(entry); throw; }
                cancellationToken.ThrowIfCancellationRequested();
                if (jump.IsConnected) return jump;
                // The host dropped the connection (rebooted, network blip): replace it once.
                if (((ICollection<KeyValuePair<string, Lazy<Task<JumpConnection>>>>)_jumps).Remove(entry)) jump.Dispose();
            }
            throw new SshException(SshErrorKind.JumpHostFailed, $"{vmName}: jump host {route.Jumps[index]} failed: {SshErrorClassifier.Describe(SshErrorKind.ConnectionLost)} (its connection dropped twice).", route.Jumps[index].ToString());
        }

        // Connecting a shared jump is not cancelled by one VM's token: other VMs may be waiting for it.
        private async Task<JumpConnection> ConnectJumpAsync(string vmName, SshRoute route, int index)
        {
            ForwardedPortLocal? forward = null;
            JumpConnection? outer = null;
            if (index > 0)
            {
                outer = await JumpAsync(vmName, route, index - 1, CancellationToken.None).ConfigureAwait(false);
                forward = outer.Forward(route.Jumps[index].Host, route.Jumps[index].Port);
            }
            try
            {
                var client = await ConnectAsync(vmName, route, route.Jumps[index], forward, route.Jumps[index].ToString(), isJump: true, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _jumpConnections);
                return new JumpConnection(client, route.Jumps[index], outer, forward);
            }
            catch
            {
                if (forward != null) outer!.Close(forward);
                throw;
            }
        }

        private async Task<SshClient> ConnectAsync(string vmName, SshRoute route, SshHop hop, ForwardedPortLocal? via, string where, bool isJump, CancellationToken cancellationToken)
        {
            var keys = _keys.For(hop);
            var info = via == null
                ? new ConnectionInfo(hop.Host, hop.Port, hop.User, new PrivateKeyAuthenticationMethod(hop.User, keys))
                : new ConnectionInfo("127.0.0.1", (int)via.BoundPort, hop.User, new PrivateKeyAuthenticationMethod(hop.User, keys));
            // SSH.NET applies this to every wait of the session, also an upload waiting for the server's window: on a
            // busy host that can exceed a short connect timeout. Connecting itself is bounded by the token below.
            info.Timeout = route.ConnectTimeout > MinimumOperationTimeout ? route.ConnectTimeout : MinimumOperationTimeout;
            AlgorithmPolicy.Apply(info);
            AlgorithmPolicy.ApplyOperatorOptions(info, route.ExtraOptions);
            var guard = new HostKeyGuard(KnownHostsFor(route.KnownHostsFile), hop, route.StrictHostKeyChecking, _options.Warn);
            var client = new SshClient(info) { KeepAliveInterval = TimeSpan.FromSeconds(10) };
            client.HostKeyReceived += guard.OnHostKeyReceived;
            if (!isJump) Interlocked.Increment(ref _connections);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(route.ConnectTimeout + route.ConnectTimeout);
            try
            {
                await client.ConnectAsync(timeout.Token).ConfigureAwait(false);
                return client;
            }
            catch (Exception ex)
            {
                client.Dispose();
                if (cancellationToken.IsCancellationRequested) throw new OperationCanceledException(cancellationToken);
                if (guard.Verdict != null && guard.Verdict != HostKeyVerdict.Trusted && (route.StrictHostKeyChecking || guard.Verdict != HostKeyVerdict.Unknown))
                    throw guard.Refusal(vmName, where);
                throw SshNetErrors.Connecting(ex, vmName, hop, where, isJump);
            }
        }

        private static readonly TimeSpan MinimumOperationTimeout = TimeSpan.FromSeconds(60);

        private KnownHosts KnownHostsFor(string? file) =>
            _knownHosts.GetOrAdd(file ?? "", _ => new Lazy<KnownHosts>(() => KnownHosts.Load(KnownHosts.DefaultPaths(file)))).Value;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            foreach (var lazy in _jumps.Values)
                if (lazy.IsValueCreated && lazy.Value.Status == TaskStatus.RanToCompletion) lazy.Value.Result.Dispose();
            _jumps.Clear();
        }
    }
}
