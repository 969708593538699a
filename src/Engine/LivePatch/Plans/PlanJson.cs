using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>
    /// The plan file: the plan as a JSON tree, written indented for the reviewer, and its hash over the canonical
    /// form (keys sorted, no whitespace), so re-indenting a file keeps its hash and changing any value changes it.
    /// </summary>
    public static class PlanJson
    {
        /// <summary>The plan as the indented JSON the file holds.</summary>
        public static string Write(SavedLivePatchPlan plan) => Indented(ToTree(plan)) + "\n";

        /// <summary>SHA-256 of the canonical form of <paramref name="tree"/>, lowercase hex.</summary>
        public static string Hash(object? tree)
        {
            using var sha = SHA256.Create();
            return PatchBundle.Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(JsonWriter.Write(Canonical(tree)))));
        }

        /// <summary>The hash of <paramref name="plan"/>'s content (what <see cref="Write"/> writes).</summary>
        public static string Hash(SavedLivePatchPlan plan) => Hash(ToTree(plan));

        internal static Dictionary<string, object?> ToTree(SavedLivePatchPlan plan)
        {
            var o = plan.Options;
            return new Dictionary<string, object?>
            {
                ["formatVersion"] = plan.FormatVersion,
                ["created"] = plan.Created,
                ["createdBy"] = plan.CreatedBy,
                ["summary"] = plan.Summary,
                ["servers"] = plan.Servers.Select(s => new Dictionary<string, object?> { ["name"] = s.Name, ["endpoint"] = s.Endpoint }).ToList(),
                ["bundle"] = new Dictionary<string, object?>
                {
                    ["path"] = plan.Bundle.Path, ["version"] = plan.Bundle.Version,
                    ["agentZipMd5"] = plan.Bundle.AgentZipMd5, ["scriptsMd5"] = plan.Bundle.ScriptsMd5,
                    ["extraFiles"] = plan.Bundle.ExtraFiles,
                },
                ["options"] = new Dictionary<string, object?>
                {
                    ["method"] = o.Method, ["batchSize"] = o.BatchSize, ["throttleLimit"] = o.ThrottleLimit, ["maxFailures"] = o.MaxFailures,
                    ["delaySec"] = o.DelaySec, ["force"] = o.Force, ["preChecks"] = o.PreChecks, ["postChecks"] = o.PostChecks,
                    ["reapplyRouterRules"] = o.ReapplyRouterRules, ["agentTimeoutSec"] = o.AgentTimeoutSec,
                },
                ["vms"] = plan.Vms.Select(v => new Dictionary<string, object?>
                {
                    ["id"] = v.Id, ["name"] = v.Name, ["type"] = v.Type, ["server"] = v.Server, ["zone"] = v.Zone,
                    ["hostId"] = v.HostId, ["hostName"] = v.HostName, ["state"] = v.State, ["release"] = v.Release,
                    ["signature"] = v.Signature, ["signatureProbed"] = v.SignatureProbed, ["recordedSignature"] = v.RecordedSignature,
                    ["isRedundant"] = v.IsRedundant, ["redundantState"] = v.RedundantState, ["networkId"] = v.NetworkId, ["vpcId"] = v.VpcId,
                    ["action"] = v.Action, ["why"] = v.Why, ["reason"] = v.Reason, ["batch"] = v.Batch,
                }).ToList(),
            };
        }

        // Objects with their keys in ordinal order, all the way down; everything else as it is.
        private static object? Canonical(object? value) => value switch
        {
            IDictionary<string, object?> d => d.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => Canonical(p.Value)) as object,
            string s => s,
            IEnumerable list => list.Cast<object?>().Select(Canonical).ToList(),
            _ => value,
        };

        // Dictionary<,> enumerates in insertion order as long as nothing is removed, which is what keeps this stable.
        private static string Indented(object? value)
        {
            var sb = new StringBuilder();
            void Write(object? v, int depth)
            {
                string pad = new string(' ', 2 * (depth + 1)), end = new string(' ', 2 * depth);
                switch (v)
                {
                    case IDictionary<string, object?> d when d.Count > 0:
                        sb.Append("{\n");
                        int i = 0;
                        foreach (var pair in d)
                        {
                            sb.Append(pad);
                            JsonWriter.WriteString(sb, pair.Key);
                            sb.Append(": ");
                            Write(pair.Value, depth + 1);
                            sb.Append(++i < d.Count ? ",\n" : "\n");
                        }
                        sb.Append(end).Append('}');
                        break;
                    case IList list when list.Count > 0 && !(v is string):
                        sb.Append("[\n");
                        for (int j = 0; j < list.Count; j++)
                        {
                            sb.Append(pad);
                            Write(list[j], depth + 1);
                            sb.Append(j + 1 < list.Count ? ",\n" : "\n");
                        }
                        sb.Append(end).Append(']');
                        break;
                    default:
                        JsonWriter.WriteValue(sb, v);
                        break;
                }
            }
            Write(value, 0);
            return sb.ToString();
        }
    }
}
