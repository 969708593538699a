using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// The fast path for reading history lines in exactly the flat shape <see cref="PatchHistoryJson.ToLine"/>
    /// writes: no dictionaries, no general-purpose date parsing. Scanning a million records is dominated by
    /// this code, so it is worth the lines.
    /// </summary>
    /// <remarks>
    /// It answers null for anything unusual (nested values, whitespace, a damaged line, another time format);
    /// the general parser then reads the line or says what is wrong with it. So this code never has to be
    /// right about errors, only about the lines it accepts.
    /// </remarks>
    internal static class FlatLineParser
    {
        public static PatchHistoryRecord? TryRead(string s)
        {
            int n = s.Length;
            if (n < 2 || s[0] != '{' || s[n - 1] != '}') return null;
            long version = -1;
            string? id = null, time = null, op = null, oper = null, runId = null, vmId = null, vmName = null, vmType = null,
                zone = null, server = null, fromVersion = null, toVersion = null, fromSig = null, toSig = null,
                status = null, failedStep = null, error = null, duration = null, planHash = null;
            string[]? steps = null;

            int i = 1;
            while (true)
            {
                if (i >= n || s[i] != '"') return null;
                int keyStart = i + 1;
                int keyEnd = s.IndexOf('"', keyStart);
                if (keyEnd < 0) return null;
                int keyLength = keyEnd - keyStart;
                i = keyEnd + 1;
                if (i >= n || s[i] != ':') return null;
                i++;
                if (i >= n) return null;

                if (Is(s, keyStart, keyLength, "v"))
                {
                    if (!ReadInteger(s, ref i, out version)) return null;
                }
                else if (Is(s, keyStart, keyLength, "steps"))
                {
                    if (!ReadStringArray(s, ref i, out steps)) return null;
                }
                else
                {
                    string? value;
                    if (s[i] == '"')
                    {
                        value = ReadString(s, ref i);
                        if (value is null) return null;
                    }
                    else if (string.CompareOrdinal(s, i, "null", 0, 4) == 0)
                    {
                        value = null;
                        i += 4;
                    }
                    else return null;

                    switch (keyLength)
                    {
                        case 2 when Is(s, keyStart, 2, "id"): id = value; break;
                        case 4 when Is(s, keyStart, 4, "time"): time = value; break;
                        case 4 when Is(s, keyStart, 4, "vmId"): vmId = value; break;
                        case 4 when Is(s, keyStart, 4, "zone"): zone = value; break;
                        case 5 when Is(s, keyStart, 5, "runId"): runId = value; break;
                        case 5 when Is(s, keyStart, 5, "error"): error = value; break;
                        case 6 when Is(s, keyStart, 6, "vmName"): vmName = value; break;
                        case 6 when Is(s, keyStart, 6, "vmType"): vmType = value; break;
                        case 6 when Is(s, keyStart, 6, "server"): server = value; break;
                        case 6 when Is(s, keyStart, 6, "status"): status = value; break;
                        case 8 when Is(s, keyStart, 8, "operator"): oper = value; break;
                        case 8 when Is(s, keyStart, 8, "duration"): duration = value; break;
                        case 8 when Is(s, keyStart, 8, "planHash"): planHash = value; break;
                        case 9 when Is(s, keyStart, 9, "operation"): op = value; break;
                        case 9 when Is(s, keyStart, 9, "toVersion"): toVersion = value; break;
                        case 10 when Is(s, keyStart, 10, "failedStep"): failedStep = value; break;
                        case 11 when Is(s, keyStart, 11, "fromVersion"): fromVersion = value; break;
                        case 11 when Is(s, keyStart, 11, "toSignature"): toSig = value; break;
                        case 13 when Is(s, keyStart, 13, "fromSignature"): fromSig = value; break;
                        default: break; // a field a later release added: ignored, as the general parser would
                    }
                }

                if (i >= n) return null;
                if (s[i] == ',') { i++; continue; }
                if (s[i] == '}' && i == n - 1) break;
                return null;
            }

            if (version < 1 || time is null || !TryParseTime(time, out var when)) return null;
            return new PatchHistoryRecord(PatchHistoryRecord.ReadFromStore.Yes)
            {
                Id = id ?? "",
                Time = when,
                Operator = oper ?? "",
                Operation = ParseOperation(op),
                RunId = runId ?? "",
                VmId = vmId ?? "",
                VmName = vmName ?? "",
                VmType = ParseVmType(vmType),
                Zone = zone,
                Server = server,
                FromVersion = fromVersion,
                ToVersion = toVersion,
                FromSignature = fromSig,
                ToSignature = toSig,
                Status = status ?? "",
                FailedStep = failedStep,
                Error = error,
                Duration = ParseDuration(duration),
                Steps = steps ?? Array.Empty<string>(),
                PlanHash = planHash,
            };
        }

        private static bool Is(string s, int start, int length, string name) =>
            length == name.Length && string.CompareOrdinal(s, start, name, 0, length) == 0;

        private static bool ReadInteger(string s, ref int i, out long value)
        {
            value = 0;
            int start = i;
            while (i < s.Length && s[i] >= '0' && s[i] <= '9' && i - start < 9) value = value * 10 + (s[i++] - '0');
            return i > start;
        }

        /// <summary>Reads a JSON string starting at the opening quote; null when it is not well formed.</summary>
        private static string? ReadString(string s, ref int i)
        {
            int start = i + 1;
            for (int j = start; j < s.Length; j++)
            {
                char c = s[j];
                if (c == '"')
                {
                    i = j + 1;
                    return s.Substring(start, j - start);
                }
                if (c == '\\') return null; // escapes are rare in history: the general parser reads those lines
                if (c < 0x20) return null;
            }
            return null;
        }

        private static bool ReadStringArray(string s, ref int i, out string[]? items)
        {
            items = null;
            if (s[i] != '[') return false;
            i++;
            var list = new List<string>();
            if (i < s.Length && s[i] == ']')
            {
                i++;
                items = Array.Empty<string>();
                return true;
            }
            while (i < s.Length)
            {
                if (s[i] != '"') return false;
                string? item = ReadString(s, ref i);
                if (item is null || i >= s.Length) return false;
                list.Add(item);
                if (s[i] == ',') { i++; continue; }
                if (s[i] == ']') { i++; items = list.ToArray(); return true; }
                return false;
            }
            return false;
        }

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
        internal static bool TryParseTime(string t, out DateTimeOffset value)
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

        private static TimeSpan ParseDuration(string? text) =>
            text != null && TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var d) ? d : TimeSpan.Zero;

        private static PatchOperation ParseOperation(string? text)
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

        private static SystemVmType? ParseVmType(string? text)
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
