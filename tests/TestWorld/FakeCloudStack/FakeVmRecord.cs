using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// What the fake management server believes about one VM; it changes with API actions and with the
    /// Set* methods of <see cref="FakeCloudStackServer"/> (a stale record after an out-of-band patch, ...).
    /// Read it through <see cref="FakeCloudStackServer.GetVm"/>, which hands out a copy.
    /// </summary>
    public sealed record FakeVmRecord
    {
        public FakeVmRecord(LabVm vm)
        {
            Vm = vm;
            Id = vm.Id;
            Name = vm.Name;
            State = vm.Spec.State;
            TemplateVersion = vm.Spec.Release;
            SoftwareVersion = vm.Spec.Release;
            AgentVersion = vm.Spec.Release;
            ScriptsSignature = vm.Spec.ApiScriptsSignature ?? vm.ScriptsSignature;
            RedundantState = vm.Spec.RedundantState;
        }

        public LabVm Vm { get; init; }
        /// <summary>The API id (recreating a router with cleanup gives it a new one).</summary>
        public string Id { get; init; }
        /// <summary>The name the API reports; tests may make it hostile.</summary>
        public string Name { get; init; }
        public SystemVmType Type => Vm.Type;
        /// <summary>Running, Stopping, Stopped, Starting.</summary>
        public string State { get; init; }
        /// <summary>Routers' version: the template version.</summary>
        public string TemplateVersion { get; init; }
        /// <summary>Routers' softwareversion: what CloudStack last recorded the VM runs.</summary>
        public string SoftwareVersion { get; init; }
        /// <summary>SSVM/CPVM agent version: its host record's version, which listSystemVms reports.</summary>
        public string AgentVersion { get; init; }
        /// <summary>Routers' scriptsversion: the cloud-scripts MD5 CloudStack last recorded.</summary>
        public string ScriptsSignature { get; init; }
        public string? RedundantState { get; init; }
        /// <summary>How many times a CloudStack-side live patch ran on it.</summary>
        public int LivePatchCount { get; init; }
        /// <summary>The SSVM/CPVM agent never reconnects (agent state stays Disconnected even when Running).</summary>
        public bool AgentNeverConnects { get; init; }
        /// <summary>What the API reports as linklocalip instead of the lab's (tests make it hostile); null: the lab's.</summary>
        public string? ApiLinkLocalIp { get; init; }
        /// <summary>What the API reports as privateip (and a router's guestipaddress); null: the lab's.</summary>
        public string? ApiPrivateIp { get; init; }
        /// <summary>What the API reports as the hypervisor (VMware VMs are reached on their private IP); null: the host's.</summary>
        public string? ApiHypervisor { get; init; }
        /// <summary>The host the API says the VM runs on after a migration the lab does not perform; null: its lab host.</summary>
        public LabHost? MovedTo { get; init; }
        /// <summary>How many times a cleanup restart recreated it.</summary>
        public int RecreateCount { get; init; }
    }
}
