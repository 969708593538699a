using System;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.Infrastructure
{
    /// <summary>
    /// A test class that runs against one <see cref="LabWorld"/> of its own spec, started before its tests and torn
    /// down after them. Where the lab cannot run the world is not started; the [LabFact] tests say why they skip.
    /// </summary>
    public abstract class LabWorldTests : IAsyncLifetime
    {
        private LabWorld? _world;

        protected LabWorld World => _world ?? throw new InvalidOperationException("No test world: " + LabRequirements.Missing());

        protected abstract LabSpec Spec { get; }

        /// <summary>Options for the fake management server, which may act on the running lab; null: the defaults.</summary>
        protected virtual FakeCloudStackOptions? ServerOptions(Lab lab) => null;

        public async Task InitializeAsync()
        {
            if (LabRequirements.Missing() != null) return;
            _world = await LabWorld.StartAsync(Spec, ServerOptions);
        }

        public virtual async Task DisposeAsync()
        {
            if (_world != null) await _world.DisposeAsync();
        }
    }
}
