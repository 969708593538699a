namespace SysVmPatch.Engine.Versions
{
    /// <summary>Whether a VM running a given template release can be live-patched, and why.</summary>
    public sealed record LivePatchSupport(bool? Supported, string Reason)
    {
        /// <summary>
        /// The support matrix (DOMAIN.md): 4.13 and older cannot be live-patched (the JDK changed, so the agent
        /// would not run: recreate); 4.14 can, but remote-access VPN may misbehave with its old strongSwan;
        /// 4.15 and newer can. A live patch never updates the template's OS packages.
        /// </summary>
        public static LivePatchSupport For(CloudStackVersion? release)
        {
            if (release is null) return new LivePatchSupport(null, "template release unknown; probe the VM to read /etc/cloudstack-release");
            if (release.Major < 4 || (release.Major == 4 && release.Minor <= 13))
                return new LivePatchSupport(false, $"template {release} is 4.13 or older: the agent's JDK changed, live patch unsupported; recreate the VM");
            if (release.Major == 4 && release.Minor == 14)
                return new LivePatchSupport(true, $"template {release}: live patch supported, but remote-access VPN may misbehave (old strongSwan)");
            return new LivePatchSupport(true, $"template {release}: live patch supported");
        }
    }
}
