using System;
using System.Collections.Generic;
using System.Globalization;

namespace SysVmPatch.Engine.Text
{
    /// <summary>
    /// A case-insensitive wildcard in PowerShell's dialect: <c>*</c> any run, <c>?</c> one character,
    /// <c>[abc]</c> and <c>[a-z]</c> one character from a set, and a backtick escaping the next character.
    /// </summary>
    /// <remarks>Our own because the engine has no System.Management.Automation (and so no WildcardPattern).</remarks>
    public sealed class WildcardMatcher
    {
        private enum Kind { Literal, AnyOne, AnyRun, Set }

        private readonly struct Token
        {
            public Token(Kind kind, char literal = '\0', List<(char From, char To)>? ranges = null)
            {
                Kind = kind;
                Literal = literal;
                Ranges = ranges;
            }

            public Kind Kind { get; }
            public char Literal { get; }
            public List<(char From, char To)>? Ranges { get; }
        }

        private readonly Token[] _tokens;

        public WildcardMatcher(string pattern)
        {
            Pattern = pattern ?? throw new ArgumentNullException(nameof(pattern));
            _tokens = Compile(pattern);
        }

        public string Pattern { get; }

        /// <summary>True when any of <paramref name="patterns"/> matches; a null or empty set matches everything.</summary>
        public static bool AnyMatch(IEnumerable<WildcardMatcher>? patterns, string? text)
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

        /// <summary>True when the text has a character that makes it a pattern rather than a literal name.</summary>
        public static bool ContainsWildcard(string text) =>
            text != null && text.IndexOfAny(new[] { '*', '?', '[', '`' }) >= 0;

        public bool IsMatch(string? text)
        {
            text ??= "";
            // Classic glob matching with one backtrack point: the last '*' seen and where it resumed.
            int t = 0, p = 0, starP = -1, starT = 0;
            while (t < text.Length)
            {
                if (p < _tokens.Length && _tokens[p].Kind != Kind.AnyRun && Matches(_tokens[p], text[t]))
                {
                    t++;
                    p++;
                }
                else if (p < _tokens.Length && _tokens[p].Kind == Kind.AnyRun)
                {
                    starP = p++;
                    starT = t;
                }
                else if (starP >= 0)
                {
                    p = starP + 1;
                    t = ++starT;
                }
                else return false;
            }
            while (p < _tokens.Length && _tokens[p].Kind == Kind.AnyRun) p++;
            return p == _tokens.Length;
        }

        private static bool Matches(Token token, char c)
        {
            switch (token.Kind)
            {
                case Kind.AnyOne: return true;
                case Kind.Literal: return Fold(token.Literal) == Fold(c);
                case Kind.Set:
                    char f = Fold(c);
                    foreach (var (from, to) in token.Ranges!)
                    {
                        if ((f >= Fold(from) && f <= Fold(to)) || (c >= from && c <= to)) return true;
                    }
                    return false;
                default: return false;
            }
        }

        private static char Fold(char c) => char.ToUpperInvariant(c);

        private static Token[] Compile(string pattern)
        {
            var tokens = new List<Token>();
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == '`' && i + 1 < pattern.Length)
                {
                    tokens.Add(new Token(Kind.Literal, pattern[++i]));
                }
                else if (c == '*')
                {
                    // Consecutive stars mean the same as one.
                    if (tokens.Count == 0 || tokens[tokens.Count - 1].Kind != Kind.AnyRun) tokens.Add(new Token(Kind.AnyRun));
                }
                else if (c == '?')
                {
                    tokens.Add(new Token(Kind.AnyOne));
                }
                else if (c == '[')
                {
                    int close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                        throw new ArgumentException(string.Format(CultureInfo.InvariantCulture,
                            "The wildcard pattern '{0}' has a '[' without a closing ']'.", pattern), nameof(pattern));
                    tokens.Add(new Token(Kind.Set, ranges: ParseSet(pattern, i + 1, close)));
                    i = close;
                }
                else
                {
                    tokens.Add(new Token(Kind.Literal, c));
                }
            }
            return tokens.ToArray();
        }

        private static List<(char, char)> ParseSet(string pattern, int start, int end)
        {
            var ranges = new List<(char, char)>();
            for (int i = start; i < end; i++)
            {
                char c = pattern[i];
                if (c == '`' && i + 1 < end) c = pattern[++i];
                if (i + 2 < end && pattern[i + 1] == '-')
                {
                    char to = pattern[i + 2];
                    ranges.Add(c <= to ? (c, to) : (to, c));
                    i += 2;
                }
                else ranges.Add((c, c));
            }
            return ranges;
        }
    }
}
