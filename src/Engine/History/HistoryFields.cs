using System;
using System.Globalization;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// The text of a history record's fields as the writer puts it, read back: the time (also peeked at in a raw line
    /// without parsing the rest), the duration, the operation and the VM type. Shared by the fast and the general
    /// line parser, so both read a field the same way; the common values are matched before any general parsing.
    /// </summary>
    internal static class HistoryFields
    {
        /// <summary>
        /// The record's time read straight from the raw line, without parsing the rest: a time-filtered scan
        /// passes over most lines, and this keeps that cheap. False when the line is not in the writer's shape.
        /// </summary>
        public static bool TryPeekTime(string line, out DateTimeOffset time)
        {
            const string Key = "\"time\":\"";
            int at = line.IndexOf(Key, StringComparison.Ordinal);
            if (at < 0 || at + Key.Length + 28 >= line.Length || line[at + Key.Length + 28] != '"')
            {
                time = default;
                return false;
            }
            return TryParseTime(line.Substring(at + Key.Length, 28), out time);
        }

        /// <summary>Exactly yyyy-MM-ddTHH:mm:ss.fffffffZ, as the writer puts it.</summary>
        public static bool TryParseTime(string t, out DateTimeOffset value)
        {
            value = default;
            if (t.Length != 28 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != '.' || t[27] != 'Z')
                return false;
            if (!Digits(t, 0, 4, out int year) || !Digits(t, 5, 2, out int month) || !Digits(t, 8, 2, out int day)
                || !Digits(t, 11, 2, out int hour) || !Digits(t, 14, 2, out int minute) || !Digits(t, 17, 2, out int second)
                || !Digits(t, 20, 7, out int fraction))
                return false;
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
                || hour > 23 || minute > 59 || second > 59)
                return false;
            value = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction));
            return true;
        }

        private static bool Digits(string s, int start, int count, out int value)
        {
            value = 0;
            for (int k = start; k < start + count; k++)
            {
                char c = s[k];
                if (c < '0' || c > '9') return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }

        public static TimeSpan Duration(string? text) =>
            text != null && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.Zero;

        public static PatchOperation Operation(string? text)
        {
            switch (text)
            {
                case "LivePatch": return PatchOperation.LivePatch;
                case "Rollback": return PatchOperation.Rollback;
                case "Restart": return PatchOperation.Restart;
                case "Recreate": return PatchOperation.Recreate;
                case null: return PatchOperation.Unknown;
                default:
                    return Enum.TryParse<PatchOperation>(text, true, out var op) && Enum.IsDefined(typeof(PatchOperation), op) ? op : PatchOperation.Unknown;
            }
        }

        public static SystemVmType? VmType(string? text)
        {
            switch (text)
            {
                case "Router": return SystemVmType.Router;
                case "SSVM": return SystemVmType.SSVM;
                case "CPVM": return SystemVmType.CPVM;
                case null: return null;
                default:
                    return Enum.TryParse<SystemVmType>(text, true, out var t) && Enum.IsDefined(typeof(SystemVmType), t) ? t : (SystemVmType?)null;
            }
        }
    }
}
