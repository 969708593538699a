using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.NamespaceLab;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.Tests.Infrastructure
{
    /// <summary>
    /// The whole test world for one test class: the namespace lab, the fake management server driving it, and a
    /// signed client for it, with short job polling so tests do not idle.
    /// </summary>
    public sealed class LabWorld : IAsyncDisposable
    {
        public const string ServerName = "lab";

        private LabWorld(Lab lab, FakeCloudStackServer server, CloudStackClient client)
        {
            Lab = lab;
            Server = server;
            Client = client;
        }

        public Lab Lab { get; }
        public FakeCloudStackServer Server { get; }
        public CloudStackClient Client { get; }

        /// <summary>How the engine reaches the lab's VMs: the lab's key and known_hosts, jumping through each VM's host.</summary>
        public SshRouteOptions SshOptions => new SshRouteOptions { IdentityFile = Lab.PrivateKeyPath, KnownHostsFile = Lab.KnownHostsPath };

        /// <summary>The connection a VM's Server names (only this world's).</summary>
        public ICloudStackApi? ServerByName(string name) => string.Equals(name, ServerName, StringComparison.OrdinalIgnoreCase) ? Client : null;

        public static Task<LabWorld> StartAsync(LabSpec spec, FakeCloudStackOptions? options = null) => StartAsync(spec, _ => options);

        /// <summary>For server options that need the running lab (a LivePatcher hook that acts on its VMs).</summary>
        public static async Task<LabWorld> StartAsync(LabSpec spec, Func<Lab, FakeCloudStackOptions?> options)
        {
            var lab = await Lab.StartAsync(spec);
            try
            {
                var server = await FakeCloudStackServer.StartAsync(lab.Topology, lab, options(lab) ?? new FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(50) });
                var client = new CloudStackClient(CloudStackConnectionSettings.Create(server.Endpoint.ToString(), server.ApiKey, new CloudStackSecret(server.SecretKey), ServerName)
                    .With(jobPollInitialDelay: TimeSpan.FromMilliseconds(50), jobPollMaxDelay: TimeSpan.FromMilliseconds(500), allowUnencryptedAuthentication: true));
                return new LabWorld(lab, server, client);
            }
            catch
            {
                await lab.DisposeAsync();
                throw;
            }
        }

        /// <summary>The fleet as Get-SystemVm sees it.</summary>
        public Task<IReadOnlyList<SystemVm>> FleetAsync(InventoryQuery? query = null) =>
            InventoryReader.ReadAsync(new[] { Client }, query ?? new InventoryQuery(), CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Server.DisposeAsync();
            await Lab.DisposeAsync();
        }
    }
}
