using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.History
{
    /// <summary>
    /// The on-disk shape of a history record: one compact JSON object per line, with a format version
    /// (<c>"v"</c>) first so a later release can read what this one wrote and say what it cannot.
    /// </summary>
    public static class PatchHistoryJson
    {
        /// <summary>The format version this release writes.</summary>
        public const int FormatVersion = 1;

        private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

        /// <summary>The record as one JSON line, without the terminating newline. Null fields are left out.</summary>
        public static string ToLine(PatchHistoryRecord record)
        {
            if (record is null) throw new ArgumentNullException(nameof(record));
            var sb = new StringBuilder(384);
            sb.Append("{\"v\":").Append(FormatVersion.ToString(CultureInfo.InvariantCulture));
            Add(sb, "id", record.Id);
            Add(sb, "time", record.Time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture));
            Add(sb, "operator", record.Operator);
            Add(sb, "operation", record.Operation.ToString());
            Add(sb, "runId", record.RunId);
            Add(sb, "vmId", record.VmId);
            Add(sb, "vmName", record.VmName);
            Add(sb, "vmType", record.VmType?.ToString());
            Add(sb, "zone", record.Zone);
            Add(sb, "server", record.Server);
            Add(sb, "fromVersion", record.FromVersion);
            Add(sb, "toVersion", record.ToVersion);
            Add(sb, "fromSignature", record.FromSignature);
            Add(sb, "toSignature", record.ToSignature);
            Add(sb, "status", record.Status);
            Add(sb, "failedStep", record.FailedStep);
            Add(sb, "error", record.Error);
            Add(sb, "planHash", record.PlanHash);
            Add(sb, "duration", record.Duration.ToString("c", CultureInfo.InvariantCulture));
            sb.Append(",\"steps\":[");
            for (int i = 0; i < record.Steps.Count; i++)
            {
                if (i > 0) sb.Append(',');
                JsonWriter.WriteString(sb, record.Steps[i] ?? "");
            }
            sb.Append("]}");
            return sb.ToString();
        }

        /// <summary>
        /// Reads one line. False, with the reason in <paramref name="problem"/>, when it is not a record
        /// (bad JSON, no version, no time): callers skip such lines with a warning rather than fail.
        /// </summary>
        public static bool TryParse(string line, out PatchHistoryRecord? record, out string? problem)
        {
            if (line is null) throw new ArgumentNullException(nameof(line));
            record = FlatLineParser.TryRead(line);
            if (record != null)
            {
                problem = null;
                return true;
            }
            return TryParseGeneral(line, out record, out problem);
        }

        /// <summary>The general path: any valid JSON spelling of a record, and the reason when it is not one.</summary>
        internal static bool TryParseGeneral(string line, out PatchHistoryRecord? record, out string? problem)
        {
            record = null;
            object? parsed;
            try
            {
                parsed = JsonReader.Parse(line);
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
                return false;
            }

            if (!(parsed is IDictionary<string, object?> o))
            {
                problem = "the line is not a JSON object";
                return false;
            }
            long? version = o.GetLong("v");
            if (version is null || version < 1)
            {
                problem = "the line has no format version";
                return false;
            }
            if (!TryParseTime(o.GetString("time"), out var time))
            {
                problem = "the line has no valid time";
                return false;
            }

            record = new PatchHistoryRecord(PatchHistoryRecord.ReadFromStore.Yes)
            {
                Id = o.GetString("id") ?? "",
                Time = time,
                Operator = o.GetString("operator") ?? "",
                Operation = HistoryFields.Operation(o.GetString("operation")),
                RunId = o.GetString("runId") ?? "",
                VmId = o.GetString("vmId") ?? "",
                VmName = o.GetString("vmName") ?? "",
                VmType = HistoryFields.VmType(o.GetString("vmType")),
                Zone = o.GetString("zone"),
                Server = o.GetString("server"),
                FromVersion = o.GetString("fromVersion"),
                ToVersion = o.GetString("toVersion"),
                FromSignature = o.GetString("fromSignature"),
                ToSignature = o.GetString("toSignature"),
                Status = o.GetString("status") ?? "",
                FailedStep = o.GetString("failedStep"),
                Error = o.GetString("error"),
                Duration = HistoryFields.Duration(o.GetString("duration")),
                Steps = ReadSteps(o.GetArray("steps")),
                PlanHash = o.GetString("planHash"),
            };
            problem = null;
            return true;
        }

        private static void Add(StringBuilder sb, string name, string? value)
        {
            if (value is null) return;
            sb.Append(",\"").Append(name).Append("\":");
            JsonWriter.WriteString(sb, value);
        }

        private static bool TryParseTime(string? text, out DateTimeOffset time)
        {
            const DateTimeStyles styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
            if (text != null
                && (DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, styles, out time)
                    || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, styles, out time)))
                return true;
            time = default;
            return false;
        }

        private static string[] ReadSteps(IList<object?>? items)
        {
            if (items is null || items.Count == 0) return Array.Empty<string>();
            var steps = new string[items.Count];
            for (int i = 0; i < steps.Length; i++)
                steps[i] = Convert.ToString(items[i], CultureInfo.InvariantCulture) ?? "";
            return steps;
        }
    }
}
