namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// What the fleet should run: a version (the management server's, from listCapabilities, or given), and,
    /// when a bundle is known, the MD5 of its cloud-scripts.tgz, which is how CloudStack decides "needs patch".
    /// </summary>
    public sealed record VersionTarget(CloudStackVersion? Version, string? Signature, string Source)
    {
        public override string ToString() =>
            Signature is null ? $"{Version} ({Source})" : $"{Version?.ToString() ?? "scripts"} {Signature.Substring(0, System.Math.Min(8, Signature.Length))}... ({Source})";
    }
}
