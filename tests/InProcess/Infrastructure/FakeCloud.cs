using System;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.FakeCloudStack;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.InProcess.Infrastructure
{
    /// <summary>
    /// A fake CloudStack management server (the real wire format, no namespace lab needed) shared by a test class,
    /// and the script line that connects a session to it.
    /// </summary>
    public sealed class FakeCloud : IAsyncLifetime
    {
        /// <summary>2 zones x 3 hosts x 5 VMs: an SSVM and a CPVM per zone, the rest routers.</summary>
        public ResolvedLab Lab { get; } = new ResolvedLab(LabSpec.Generate(2, 3, 5));
        public FakeCloudStackServer Server { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Server = await FakeCloudStackServer.StartAsync(Lab, null, new FakeCloudStackOptions { JobPendingTime = TimeSpan.FromMilliseconds(50) });

        public async Task DisposeAsync() => await Server.DisposeAsync();

        /// <summary>A script line that sets $vms to two routers of this server that are not part of a redundant pair.</summary>
        public const string TwoRouters = "$vms = @(Get-SystemVm -Type Router -Server fake | Where-Object { -not $_.IsRedundant } | Select-Object -First 2);";

        /// <summary>How many rebootRouter calls the server has received: the proof that a restart did or did not run.</summary>
        public int Reboots() => Server.CallsOf("rebootRouter").Count;

        /// <summary>Connect-SysVmCloud to this server under <paramref name="name"/>, quietly (the fake serves plain http on loopback, hence the opt-in).</summary>
        public string Connect(string name = "fake") =>
            $"$null = Connect-SysVmCloud -AllowUnencryptedAuthentication -Url '{Server.Endpoint}' -ApiKey '{Server.ApiKey}' -SecretKey (ConvertTo-SecureString '{Server.SecretKey}' -AsPlainText -Force) -Name '{name}';";
    }
}
