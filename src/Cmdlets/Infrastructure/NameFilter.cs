using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The engine's text filters built from a parameter's wildcards with PowerShell's own WildcardPattern, case-insensitive
    /// like the -Name of PowerShell's cmdlets: a value passes when any pattern matches it. The engine only calls them.
    /// </summary>
    internal static class NameFilter
    {
        private const WildcardOptions Options = WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant;

        /// <summary>
        /// The filter for <paramref name="patterns"/> (null when none: everything passes). A pattern PowerShell cannot
        /// read ("r-[12") throws here, naming <paramref name="parameter"/>, rather than from inside the engine's work.
        /// </summary>
        public static Func<string, bool>? From(IReadOnlyCollection<string>? patterns, string parameter)
        {
            if (patterns is null || patterns.Count == 0) return null;
            var compiled = patterns.Select(p => new WildcardPattern(p, Options)).ToArray();
            foreach (var (pattern, text) in compiled.Zip(patterns, (c, t) => (c, t)))
            {
                // WildcardPattern parses on first use: use it once now.
                try { pattern.IsMatch(""); }
                catch (WildcardPatternException e) { throw new InvalidWildcardException(parameter, text, e); }
            }
            return value => compiled.Any(p => p.IsMatch(value));
        }
    }

    /// <summary>A parameter's wildcard PowerShell cannot read.</summary>
    internal sealed class InvalidWildcardException : ArgumentException
    {
        public InvalidWildcardException(string parameter, string pattern, WildcardPatternException inner)
            : base($"-{parameter}: {inner.Message}", parameter, inner) { Pattern = pattern; }

        public string Pattern { get; }
    }
}
