using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SysVmPatch.Engine.Versions
{
    /// <summary>
    /// A CloudStack release number read from whatever CloudStack really reports: "4.18.0.0", "4.19.1-SNAPSHOT",
    /// "systemvm-kvm-4.18.0", "Cloudstack Release 4.18.0.0 Mon Jan ...". Missing components count as 0, so
    /// 4.18 = 4.18.0 = 4.18.0.0; a suffix such as SNAPSHOT is kept for display and does not change the order.
    /// </summary>
    public sealed class CloudStackVersion : IComparable<CloudStackVersion>, IEquatable<CloudStackVersion>
    {
        private static readonly Regex Number = new Regex(@"(?<![\d.])(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([A-Za-z0-9]+))?", RegexOptions.CultureInvariant);

        public int Major { get; }
        public int Minor { get; }
        public int Patch { get; }
        public int Build { get; }
        /// <summary>A pre-release or build tag after a dash, e.g. SNAPSHOT; null when none.</summary>
        public string? Suffix { get; }

        public CloudStackVersion(int major, int minor, int patch = 0, int build = 0, string? suffix = null)
        {
            if (major < 0 || minor < 0 || patch < 0 || build < 0) throw new ArgumentOutOfRangeException(nameof(major), "Version components cannot be negative.");
            Major = major; Minor = minor; Patch = patch; Build = build; Suffix = suffix;
        }

        /// <summary>Finds the first version number in <paramref name="text"/>; false for empty, "UNKNOWN" and text without one.</summary>
        public static bool TryParse(string? text, out CloudStackVersion? version)
        {
            version = null;
            if (string.IsNullOrWhiteSpace(text)) return false;
            var m = Number.Match(text);
            if (!m.Success) return false;
            try
            {
                version = new CloudStackVersion(
                    Part(m.Groups[1]), Part(m.Groups[2]), Part(m.Groups[3]), Part(m.Groups[4]),
                    m.Groups[5].Success ? m.Groups[5].Value : null);
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        /// <summary>Like <see cref="TryParse"/> but null when there is no version.</summary>
        public static CloudStackVersion? ParseOrNull(string? text) => TryParse(text, out var v) ? v : null;

        /// <summary>Parses or throws <see cref="FormatException"/> naming the text.</summary>
        public static CloudStackVersion Parse(string text) =>
            TryParse(text, out var v) ? v! : throw new FormatException($"'{text}' is not a CloudStack version (expected something like 4.19.1 or 4.19.1.0).");

        private static int Part(Group g) => g.Success ? int.Parse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture) : 0;

        /// <summary>The release line: major.minor.</summary>
        public string Line => string.Format(CultureInfo.InvariantCulture, "{0}.{1}", Major, Minor);

        public int CompareTo(CloudStackVersion? other)
        {
            if (other is null) return 1;
            int c = Major.CompareTo(other.Major);
            if (c == 0) c = Minor.CompareTo(other.Minor);
            if (c == 0) c = Patch.CompareTo(other.Patch);
            if (c == 0) c = Build.CompareTo(other.Build);
            return c;
        }

        public bool Equals(CloudStackVersion? other) => other is not null && CompareTo(other) == 0;
        public override bool Equals(object? obj) => obj is CloudStackVersion v && Equals(v);
        public override int GetHashCode() => ((Major * 397 ^ Minor) * 397 ^ Patch) * 397 ^ Build;

        public static bool operator <(CloudStackVersion a, CloudStackVersion b) => a.CompareTo(b) < 0;
        public static bool operator >(CloudStackVersion a, CloudStackVersion b) => a.CompareTo(b) > 0;
        public static bool operator <=(CloudStackVersion a, CloudStackVersion b) => a.CompareTo(b) <= 0;
        public static bool operator >=(CloudStackVersion a, CloudStackVersion b) => a.CompareTo(b) >= 0;

        /// <summary>Three components, a fourth only when it is not 0, then the suffix: 4.18.0, 4.18.0.1, 4.19.1-SNAPSHOT.</summary>
        public override string ToString()
        {
            string s = Build != 0
                ? string.Format(CultureInfo.InvariantCulture, "{0}.{1}.{2}.{3}", Major, Minor, Patch, Build)
                : string.Format(CultureInfo.InvariantCulture, "{0}.{1}.{2}", Major, Minor, Patch);
            return Suffix is null ? s : s + "-" + Suffix;
        }
    }
}
