using System;
using System.Collections.Generic;
using System.Text;

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

            if (version < 1 || time is null || !HistoryFields.TryParseTime(time, out var when)) return null;
            return new PatchHistoryRecord(PatchHistoryRecord.ReadFromStore.Yes)
            {
                Id = id ?? "",
                Time = when,
                Operator = oper ?? "",
                Operation = HistoryFields.Operation(op),
                RunId = runId ?? "",
                VmId = vmId ?? "",
                VmName = vmName ?? "",
                VmType = HistoryFields.VmType(vmType),
                Zone = zone,
                Server = server,
                FromVersion = fromVersion,
                ToVersion = toVersion,
                FromSignature = fromSig,
                ToSignature = toSig,
                Status = status ?? "",
                FailedStep = failedStep,
                Error = error,
                Duration = HistoryFields.Duration(duration),
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
    }
}
