using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    public sealed class ConnectionRegistryTests
    {
        private sealed class Conn : ICloudStackApi, System.IDisposable
        {
            public Conn(string name) { Name = name; }
            public string Name { get; }
            public bool Disposed { get; private set; }
            public void Dispose() => Disposed = true;
            public Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new System.NotSupportedException();
            public Task<AsyncJobResult> RunAsyncJobAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) => throw new System.NotSupportedException();
        }

        [Fact]
        public void TheMostRecentConnectIsTheDefault()
        {
            var registry = new ConnectionRegistry();
            var a = new Conn("a");
            var b = new Conn("b");
            registry.Add(a);
            registry.Add(b);
            Assert.Same(b, registry.Get(null));
            Assert.Same(a, registry.Get("A"));
            Assert.Equal(new[] { "a", "b" }, System.Linq.Enumerable.Select(registry.All, c => c.Name));
        }

        [Fact]
        public void AddingWithoutMakingDefaultKeepsTheDefault()
        {
            var registry = new ConnectionRegistry();
            var a = new Conn("a");
            registry.Add(a);
            registry.Add(new Conn("b"), makeDefault: false);
            Assert.Same(a, registry.Default);
        }

        [Fact]
        public void RemovingTheDefaultFallsBackToTheMostRecentRemaining()
        {
            var registry = new ConnectionRegistry();
            var a = new Conn("a");
            var b = new Conn("b");
            var c = new Conn("c");
            registry.Add(a); registry.Add(b); registry.Add(c);
            Assert.True(registry.Remove("c"));
            Assert.True(c.Disposed);
            Assert.Same(b, registry.Default);
            Assert.False(registry.Remove("c"));
        }

        [Fact]
        public void ReconnectingUnderTheSameNameReplacesAndDisposesTheOld()
        {
            var registry = new ConnectionRegistry();
            var old = new Conn("prod");
            var fresh = new Conn("PROD");
            registry.Add(old);
            registry.Add(fresh);
            Assert.True(old.Disposed);
            Assert.Single(registry.All);
            Assert.Same(fresh, registry.Get("prod"));
        }

        [Fact]
        public void GetWithoutConnectionsSaysToConnect()
        {
            var registry = new ConnectionRegistry();
            var e = Assert.Throws<CloudStackSettingsException>(() => registry.Get(null));
            Assert.Contains("connect first", e.Message);
            Assert.Equal(Engine.Errors.EngineOption.Connection, e.Remedy);
            registry.Add(new Conn("a"));
            var unknown = Assert.Throws<CloudStackSettingsException>(() => registry.Get("zz"));
            Assert.Contains("'zz'", unknown.Message);
            Assert.Contains("a", unknown.Message);
        }

        [Fact]
        public void Clear_disposes_every_connection_and_leaves_no_default()
        {
            var registry = new ConnectionRegistry();
            var a = new Conn("a");
            var b = new Conn("b");
            registry.Add(a); registry.Add(b);
            registry.Clear();
            Assert.True(a.Disposed && b.Disposed);
            Assert.Empty(registry.All);
            Assert.Null(registry.Default);
            Assert.Null(registry.Find("a"));
        }

        [Fact]
        public void ConcurrentAddsAndRemovesKeepTheRegistryConsistent()
        {
            var registry = new ConnectionRegistry();
            Parallel.For(0, 200, i =>
            {
                registry.Add(new Conn("c" + (i % 10)));
                registry.Remove("c" + ((i + 5) % 10));
                _ = registry.All;
            });
            var names = new HashSet<string>(System.StringComparer.OrdinalIgnoreCase);
            foreach (var c in registry.All) Assert.True(names.Add(c.Name));
            if (registry.All.Count > 0) Assert.Contains(registry.Default, registry.All);
        }
    }
}
