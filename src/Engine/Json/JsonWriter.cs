using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace SysVmPatch.Engine.Json
{
    /// <summary>
    /// Writes plain .NET values (dictionaries, lists, strings, numbers, bools, null, DateTimeOffset, enums)
    /// as compact JSON on one line, which is what JSON Lines history and the fake API need.
    /// </summary>
    public static class JsonWriter
    {
        public static string Write(object? value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, value);
            return sb.ToString();
        }

        public static void WriteValue(StringBuilder sb, object? value)
        {
            switch (value)
            {
                case null: sb.Append("null"); break;
                case string s: WriteString(sb, s); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case DateTimeOffset dto: WriteString(sb, dto.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)); break;
                case DateTime dt: WriteString(sb, dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)); break;
                case TimeSpan ts: WriteString(sb, ts.ToString("c", CultureInfo.InvariantCulture)); break;
                case Guid g: WriteString(sb, g.ToString()); break;
                case Enum e: WriteString(sb, e.ToString()); break;
                case double d: sb.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case float f: sb.Append(f.ToString("R", CultureInfo.InvariantCulture)); break;
                case IFormattable n when IsNumber(value): sb.Append(n.ToString(null, CultureInfo.InvariantCulture)); break;
                case IDictionary<string, object?> dict: WriteObject(sb, dict); break;
                case IDictionary legacy:
                    sb.Append('{');
                    bool firstEntry = true;
                    foreach (DictionaryEntry entry in legacy)
                    {
                        if (!firstEntry) sb.Append(',');
                        firstEntry = false;
                        WriteString(sb, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                        sb.Append(':');
                        WriteValue(sb, entry.Value);
                    }
                    sb.Append('}');
                    break;
                case IEnumerable list:
                    sb.Append('[');
                    bool first = true;
                    foreach (var item in list)
                    {
                        if (!first) sb.Append(',');
                        first = false;
                        WriteValue(sb, item);
                    }
                    sb.Append(']');
                    break;
                default: WriteString(sb, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); break;
            }
        }

        private static void WriteObject(StringBuilder sb, IDictionary<string, object?> dict)
        {
            sb.Append('{');
            bool first = true;
            foreach (var pair in dict)
            {
                if (!first) sb.Append(',');
                first = false;
                WriteString(sb, pair.Key);
                sb.Append(':');
                WriteValue(sb, pair.Value);
            }
            sb.Append('}');
        }

        private static bool NeedsEscaping(string s)
        {
            foreach (char c in s)
                if (c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029') return true;
            return false;
        }

        private static bool IsNumber(object value) =>
            value is int || value is long || value is short || value is byte || value is uint || value is ulong
            || value is ushort || value is sbyte || value is decimal;

        public static void WriteString(StringBuilder sb, string s)
        {
            if (!NeedsEscaping(s)) { sb.Append('"').Append(s).Append('"'); return; }
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        // Control characters and the line separators that break JSON Lines readers are escaped.
                        if (c < 0x20 || c == '\u2028' || c == '\u2029')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }
    }
}
