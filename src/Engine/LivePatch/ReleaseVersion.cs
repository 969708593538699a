using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace SysVmPatch.Engine.LivePatch
{
    /// <summary>
    /// A CloudStack release number read from "Cloudstack Release 4.18.0.0 ..." or "4.18.0". Minimal: the lead's
    /// Versions/ may replace it; live patch only needs parse, compare and a short display form.
    /// </summary>
    public sealed class ReleaseVersion : IComparable<ReleaseVersion>
    {
        private static readonly Regex Pattern = new Regex(@"(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?", RegexOptions.CultureInvariant);
        private readonly int[] _parts;

        private ReleaseVersion(int[] parts) { _parts = parts; }

        public int Major => _parts[0];
        public int Minor => _parts[1];

        public static ReleaseVersion? TryParse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var m = Pattern.Match(text);
            if (!m.Success) return null;
            var parts = new int[4];
            for (int i = 0; i < 4; i++)
                parts[i] = m.Groups[i + 1].Success ? int.Parse(m.Groups[i + 1].Value, CultureInfo.InvariantCulture) : 0;
            return new ReleaseVersion(parts);
        }

        public int CompareTo(ReleaseVersion? other)
        {
            if (other is null) return 1;
            for (int i = 0; i < 4; i++)
                if (_parts[i] != other._parts[i]) return _parts[i].CompareTo(other._parts[i]);
            return 0;
        }

        /// <summary>Three components, as operators write it: 4.18.0.</summary>
        public override string ToString() => string.Join(".", _parts.Take(3).Select(p => p.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Whether a VM's template release can be live-patched (DOMAIN.md): 4.13 and older need a recreate.</summary>
    public static class LivePatchSupport
    {
        /// <summary>Null when supported; otherwise the reason ("Recreate: ...").</summary>
        public static string? RefusalFor(ReleaseVersion? release)
        {
            if (release == null) return null; // unknown here: the VM's /etc/cloudstack-release decides at preflight
            if (release.Major < 4 || (release.Major == 4 && release.Minor <= 13))
                return $"Recreate: {release} is 4.13 or older; live patch is not supported (the JDK changed)";
            return null;
        }

        /// <summary>A caution for supported-with-caveats releases.</summary>
        public static string? WarningFor(ReleaseVersion? release) =>
            release != null && release.Major == 4 && release.Minor == 14
                ? $"{release}: remote-access VPN may misbehave after a live patch (old strongSwan)"
                : null;
    }
}
