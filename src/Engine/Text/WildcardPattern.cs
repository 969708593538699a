using System;
using System.Text;
using System.Text.RegularExpressions;

namespace SysVmPatch.Engine.Text
{
    /// <summary>
    /// PowerShell-style wildcards (* ? [abc] [a-z], ` escapes), case-insensitive, for -Name/-VmName filters.
    /// The engine cannot use System.Management.Automation.WildcardPattern, so this mirrors its rules.
    /// </summary>
    public sealed class WildcardPattern
    {
        private readonly Regex _regex;

        public string Pattern { get; }

        public WildcardPattern(string pattern)
        {
            Pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
            _regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }

        public bool IsMatch(string? text) => text is not null && _regex.IsMatch(text);

        /// <summary>True when any of <paramref name="patterns"/> matches; an empty or null set matches everything.</summary>
        public static bool AnyMatch(System.Collections.Generic.IEnumerable<WildcardPattern>? patterns, string? text)
        {
            if (patterns is null) return true;
            bool any = false;
            foreach (var p in patterns)
            {
                any = true;
                if (p.IsMatch(text)) return true;
            }
            return !any;
        }

        private static string ToRegex(string pattern)
        {
            var sb = new StringBuilder("^");
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                switch (c)
                {
                    case '`' when i + 1 < pattern.Length:
                        sb.Append(Regex.Escape(pattern[++i].ToString()));
                        break;
                    case '*': sb.Append(".*"); break;
                    case '?': sb.Append('.'); break;
                    case '[':
                        int close = pattern.IndexOf(']', i + 1);
                        if (close < 0) { sb.Append(@"\["); break; }
                        string set = pattern.Substring(i + 1, close - i - 1);
                        sb.Append('[').Append(set.Replace(@"\", @"\\").Replace("^", @"\^")).Append(']');
                        i = close;
                        break;
                    default: sb.Append(Regex.Escape(c.ToString())); break;
                }
            }
            return sb.Append('$').ToString();
        }
    }
}
