using System.Collections.Generic;
using System.Globalization;

namespace SysVmPatch.Engine.Json
{
    /// <summary>Typed reads from a parsed JSON object that tolerate the absent and mistyped fields real APIs send.</summary>
    public static class JsonAccess
    {
        public static string? GetString(this IDictionary<string, object?> obj, string name)
        {
            if (!obj.TryGetValue(name, out var v) || v is null) return null;
            return v as string ?? System.Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        public static bool? GetBool(this IDictionary<string, object?> obj, string name)
        {
            if (!obj.TryGetValue(name, out var v) || v is null) return null;
            if (v is bool b) return b;
            if (v is string s && bool.TryParse(s, out var parsed)) return parsed;
            return null;
        }

        public static long? GetLong(this IDictionary<string, object?> obj, string name)
        {
            if (!obj.TryGetValue(name, out var v) || v is null) return null;
            if (v is long l) return l;
            if (v is double d) return (long)d;
            if (v is string s && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)) return parsed;
            return null;
        }

        public static IDictionary<string, object?>? GetObject(this IDictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) ? v as IDictionary<string, object?> : null;

        public static IList<object?>? GetArray(this IDictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) ? v as IList<object?> : null;
    }
}
