using System;
using System.Collections.Generic;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// The connections a session holds, by name, PowerCLI style: the most recent connect becomes the default;
    /// cmdlets without -Server use the default. Thread-safe. The cmdlets keep one per PowerShell runspace (so
    /// ForEach-Object -Parallel and hosted runspaces each have their own default), never one per process.
    /// </summary>
    public sealed class ConnectionRegistry
    {
        private readonly object _lock = new object();
        // In connect order, so removing the default falls back to the most recent remaining connection.
        private readonly List<ICloudStackApi> _connections = new List<ICloudStackApi>();
        private ICloudStackApi? _default;

        /// <summary>
        /// Adds <paramref name="connection"/>; one of the same name is replaced (and disposed).
        /// It becomes the default unless <paramref name="makeDefault"/> is false and a default exists.
        /// </summary>
        public void Add(ICloudStackApi connection, bool makeDefault = true)
        {
            if (connection is null) throw new ArgumentNullException(nameof(connection));
            ICloudStackApi? replaced = null;
            lock (_lock)
            {
                int i = IndexOf(connection.Name);
                if (i >= 0)
                {
                    replaced = _connections[i];
                    _connections.RemoveAt(i);
                    if (ReferenceEquals(_default, replaced)) _default = null;
                }
                _connections.Add(connection);
                if (makeDefault || _default is null) _default = connection;
            }
            if (replaced != null && !ReferenceEquals(replaced, connection)) (replaced as IDisposable)?.Dispose();
        }

        /// <summary>The default connection, or null when none.</summary>
        public ICloudStackApi? Default
        {
            get { lock (_lock) return _default; }
        }

        /// <summary>The connection named <paramref name="name"/>, or the default when null/empty; throws when there is none.</summary>
        public ICloudStackApi Get(string? name)
        {
            lock (_lock)
            {
                if (string.IsNullOrEmpty(name))
                    return _default ?? throw new CloudStackSettingsException("Not connected to any CloudStack management server: connect first.") { Remedy = Errors.EngineOption.Connection };
                int i = IndexOf(name!);
                if (i >= 0) return _connections[i];
                string known = _connections.Count == 0 ? "none" : string.Join(", ", _connections.ConvertAll(c => c.Name));
                throw new CloudStackSettingsException($"No connection named '{CloudStackException.Clean(name, 100)}'. Connected: {known}.");
            }
        }

        /// <summary>The connection named <paramref name="name"/>, or null when there is none (a VM whose server was disconnected).</summary>
        public ICloudStackApi? Find(string name) => TryGet(name, out var connection) ? connection : null;

        public bool TryGet(string name, out ICloudStackApi? connection)
        {
            lock (_lock)
            {
                int i = IndexOf(name);
                connection = i >= 0 ? _connections[i] : null;
                return connection != null;
            }
        }

        /// <summary>Removes and disposes the connection; the default passes to the most recent remaining one.</summary>
        public bool Remove(string name)
        {
            ICloudStackApi removed;
            lock (_lock)
            {
                int i = IndexOf(name);
                if (i < 0) return false;
                removed = _connections[i];
                _connections.RemoveAt(i);
                if (ReferenceEquals(_default, removed))
                    _default = _connections.Count > 0 ? _connections[_connections.Count - 1] : null;
            }
            (removed as IDisposable)?.Dispose();
            return true;
        }

        /// <summary>Removes and disposes every connection: the session that held them has ended.</summary>
        public void Clear()
        {
            ICloudStackApi[] all;
            lock (_lock)
            {
                all = _connections.ToArray();
                _connections.Clear();
                _default = null;
            }
            foreach (var c in all) (c as IDisposable)?.Dispose();
        }

        /// <summary>Every connection, in connect order.</summary>
        public IReadOnlyList<ICloudStackApi> All
        {
            get { lock (_lock) return _connections.ToArray(); }
        }

        private int IndexOf(string name) =>
            _connections.FindIndex(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
