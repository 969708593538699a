namespace SysVmPatch.Engine.Inventory
{
    /// <summary>What kind of appliance a system VM is. Names are what operators say, not CloudStack's API strings.</summary>
    public enum SystemVmType
    {
        /// <summary>Secondary storage VM (systemvmtype secondarystoragevm, s-N-VM).</summary>
        SSVM,
        /// <summary>Console proxy VM (systemvmtype consoleproxy, v-N-VM).</summary>
        CPVM,
        /// <summary>Virtual router of a guest network or VPC (r-N-VM).</summary>
        Router,
    }
}
