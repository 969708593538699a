using System;
using System.Globalization;
using System.Text;

namespace SysVmPatch.Engine.Text
{
    /// <summary>
    /// Makes text from outside (VM output, ssh's stderr, API answers, names) safe to put on an operator's console:
    /// escape sequences (ANSI CSI, OSC, DCS, ...) are removed whole, so a VM cannot recolour, retitle or rewrite the
    /// terminal; other control characters and the invisible bidirectional overrides that can disguise text are
    /// dropped; line breaks and tabs become spaces. The one sanitizer for messages, verbose lines, warnings and
    /// error messages; raw values kept in result objects stay data.
    /// </summary>
    public static class ConsoleText
    {
        private const char Esc = '\u001b';

        /// <summary>One clean line of at most <paramref name="maxLength"/> characters (then '…'); null gives "".</summary>
        public static string Sanitize(string? text, int maxLength = int.MaxValue)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var sb = new StringBuilder(Math.Min(text!.Length, maxLength == int.MaxValue ? text.Length : maxLength + 1));
            for (int i = 0; i < text.Length; i++)
            {
                if (sb.Length >= maxLength) { sb.Append('…'); break; }
                char c = text[i];
                if (c == Esc || c == '\u009b' || c == '\u009d' || c == '\u0090') { i = SkipEscape(text, i); continue; }
                if (c == '\n' || c == '\r' || c == '\t') { sb.Append(' '); continue; }
                if (IsInvisibleControl(c)) continue;
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>
        /// Several lines for a console (a plan under -WhatIf, a VM's output in a table cell): each line cleaned as
        /// <see cref="Sanitize"/> does, the line breaks kept (as '\n', which every console honours); at most
        /// <paramref name="maxLines"/> lines, then a line saying how many more.
        /// </summary>
        public static string SanitizeLines(string? text, int maxLines = int.MaxValue)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var lines = text!.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
            var sb = new StringBuilder();
            int shown = Math.Min(lines.Length, Math.Max(1, maxLines));
            for (int i = 0; i < shown; i++)
            {
                if (i > 0) sb.Append('\n');
                sb.Append(Sanitize(lines[i], 500));
            }
            if (lines.Length > shown) sb.Append('\n').Append("… ").Append((lines.Length - shown).ToString(CultureInfo.InvariantCulture)).Append(" more lines");
            return sb.ToString();
        }

        /// <summary>
        /// Text shown as it is, with control characters written as escapes (\n, \x1b): for error messages that
        /// must show a refused value without letting it act on the console.
        /// </summary>
        public static string Escape(string? text, int maxLength = 200)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var sb = new StringBuilder();
            foreach (char c in text!)
            {
                if (sb.Length >= maxLength) { sb.Append('…'); break; }
                if (c == '\n') sb.Append("\\n");
                else if (c == '\r') sb.Append("\\r");
                else if (c == '\t') sb.Append("\\t");
                else if (IsInvisibleControl(c) || c == Esc || (c >= '\u0080' && c <= '\u009f'))
                    sb.Append(c <= '\u00ff' ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.ToString();
        }

        // C0 and C1 controls, DEL, line/paragraph separators, and the bidi embeddings, overrides and isolates.
        private static bool IsInvisibleControl(char c) =>
            char.IsControl(c) || c == '\u2028' || c == '\u2029' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f';

        /// <summary>The index of the last character of the escape sequence starting at <paramref name="start"/>.</summary>
        private static int SkipEscape(string text, int start)
        {
            char c = text[start];
            int i = start + 1;
            char kind;
            if (c == Esc)
            {
                if (i >= text.Length) return start;
                kind = text[i];
                i++;
            }
            else kind = c == '\u009b' ? '[' : c == '\u009d' ? ']' : 'P';

            if (kind == '[')
            {
                // CSI: parameter and intermediate bytes, then one final byte 0x40-0x7E.
                while (i < text.Length && text[i] >= '\u0020' && text[i] <= '\u003f') i++;
                while (i < text.Length && text[i] >= '\u0020' && text[i] <= '\u002f') i++;
                return i < text.Length && text[i] >= '\u0040' && text[i] <= '\u007e' ? i : i - 1;
            }
            if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_')
            {
                // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \ or U+009C).
                for (; i < text.Length; i++)
                {
                    if (text[i] == '\u0007' || text[i] == '\u009c') return i;
                    if (text[i] == Esc && i + 1 < text.Length && text[i + 1] == '\\') return i + 1;
                }
                return text.Length - 1;
            }
            // Two-character sequences (ESC c, ESC 7, ESC ( B takes one more).
            if ((kind == '(' || kind == ')' || kind == '#' || kind == '%') && i < text.Length) return i;
            return i - 1;
        }
    }
}
