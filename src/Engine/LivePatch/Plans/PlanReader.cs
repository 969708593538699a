using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SysVmPatch.Engine.Errors;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.LivePatch.Plans
{
    /// <summary>
    /// Reads a plan file as hostile input: anything that is not exactly a plan of this format (bad or truncated JSON,
    /// another format version, a missing, mistyped or unknown field, batches out of order or over the batch size)
    /// is refused with a <see cref="PlanException"/> naming the field, before anything is contacted.
    /// </summary>
    public static class PlanReader
    {
        private static readonly string[] TopFields = { "formatVersion", "created", "createdBy", "summary", "servers", "bundle", "options", "vms" };
        private static readonly string[] ServerFields = { "name", "endpoint" };
        private static readonly string[] BundleFields = { "path", "version", "agentZipMd5", "scriptsMd5", "extraFiles" };
        private static readonly string[] OptionFields = { "method", "batchSize", "throttleLimit", "maxFailures", "delaySec", "force", "preChecks", "postChecks", "reapplyRouterRules", "agentTimeoutSec" };
        private static readonly string[] VmFields = { "id", "name", "type", "server", "zone", "hostId", "hostName", "state", "release", "signature", "signatureProbed",
            "recordedSignature", "isRedundant", "redundantState", "networkId", "vpcId", "action", "why", "reason", "batch" };

        /// <param name="text">The file's content.</param>
        /// <param name="source">Where it came from, for the messages (a path, or "the plan").</param>
        public static SavedLivePatchPlan Parse(string text, string source)
        {
            if (text is null) throw new ArgumentNullException(nameof(text));
            object? tree;
            try { tree = JsonReader.Parse(text); }
            catch (FormatException e) { throw PlanException.Invalid($"{source} is not a plan: {e.Message.TrimEnd('.')} (a truncated or hand-edited file?)."); }
            if (!(tree is IDictionary<string, object?> top)) throw PlanException.Invalid($"{source} is not a plan: the JSON is not an object.");
            var r = new Fields(top, "", source);
            long version = r.Long("formatVersion", 1, int.MaxValue);
            if (version != SavedLivePatchPlan.CurrentFormatVersion)
                throw PlanException.Invalid($"{source} has plan format version {version}; this release reads version {SavedLivePatchPlan.CurrentFormatVersion} only (make the plan again with this release).");
            r.OnlyKnown(TopFields);
            var servers = r.Objects("servers", 1).Select(s =>
            {
                s.OnlyKnown(ServerFields);
                return new PlanServer(s.Text("name")!, PlanFacts.CheckEndpoint(s.Text("endpoint", required: false), s.Label("endpoint")));
            }).ToList();
            var dup = servers.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (dup != null) throw PlanException.Invalid($"{source}: servers names '{dup.Key}' twice.");
            var b = r.Object("bundle");
            b.OnlyKnown(BundleFields);
            var bundle = new PlanBundle(b.Text("path")!, b.Text("version", required: false), b.Md5("agentZipMd5")!, b.Md5("scriptsMd5")!)
            {
                // Optional: a plan of a bundle without CA certificates or a JRE may leave it out.
                ExtraFiles = b.Has("extraFiles") ? b.Strings("extraFiles") : Array.Empty<string>(),
            };
            if (!System.IO.Path.IsPathRooted(bundle.Path)) throw PlanException.Invalid($"{source}: bundle.path '{bundle.Path}' is not a full path.");
            var o = r.Object("options");
            o.OnlyKnown(OptionFields);
            var options = new PlanOptions
            {
                Method = o.Enum<LivePatchMethod>("method")!.Value, BatchSize = (int)o.Long("batchSize", 1, 10000),
                ThrottleLimit = (int?)o.LongOrNull("throttleLimit", 1, 10000), MaxFailures = (int?)o.LongOrNull("maxFailures", 0, int.MaxValue),
                DelaySec = (int)o.Long("delaySec", 0, 86400), Force = o.Bool("force"), PreChecks = o.Strings("preChecks"), PostChecks = o.Strings("postChecks"),
                ReapplyRouterRules = o.Bool("reapplyRouterRules"), AgentTimeoutSec = (int)o.Long("agentTimeoutSec", 30, 7200),
            };
            var names = new HashSet<string>(servers.Select(s => s.Name), StringComparer.OrdinalIgnoreCase);
            var vms = r.Objects("vms", 1).Select(v => ReadVm(v, names)).ToList();
            var plan = new SavedLivePatchPlan
            {
                FormatVersion = (int)version, Created = r.Time("created"), CreatedBy = r.Text("createdBy", required: false) ?? "",
                Servers = servers, Bundle = bundle, Options = options, Vms = vms, Hash = PlanJson.Hash(tree),
            };
            PlanFacts.CheckBatches(plan, source);
            return plan;
        }

        private static PlannedVm ReadVm(Fields v, HashSet<string> servers)
        {
            v.OnlyKnown(VmFields);
            var vm = new PlannedVm
            {
                Id = v.Text("id")!, Name = v.Text("name")!, Type = v.Enum<SystemVmType>("type")!.Value, Server = v.Text("server")!,
                Zone = v.Text("zone", false), HostId = v.Text("hostId", false), HostName = v.Text("hostName", false), State = v.Text("state", false),
                Release = v.Text("release", false), Signature = v.Token("signature"), SignatureProbed = v.Bool("signatureProbed"),
                RecordedSignature = v.Token("recordedSignature"), IsRedundant = v.Bool("isRedundant"), RedundantState = v.Text("redundantState", false),
                NetworkId = v.Text("networkId", false), VpcId = v.Text("vpcId", false), Action = v.Enum<LivePatchAction>("action")!.Value,
                Why = v.Enum<PatchStep>("why", false), Reason = v.Text("reason", false), Batch = (int)v.Long("batch", 0, 10000),
            };
            if (!servers.Contains(vm.Server)) throw v.Bad("server", $"names '{vm.Server}', which is not one of the plan's servers");
            return vm;
        }

        /// <summary>Typed reads of one JSON object, each failure naming the field by its path in the file.</summary>
        private sealed class Fields
        {
            private readonly IDictionary<string, object?> _o;
            private readonly string _path, _source;

            public Fields(IDictionary<string, object?> o, string path, string source) { _o = o; _path = path; _source = source; }

            public string Where(string name) => _path.Length == 0 ? name : _path + "." + name;

            public string Label(string name) => $"{_source}: {Where(name)}";

            public PlanException Bad(string name, string what) => PlanException.Invalid($"{_source}: {Where(name)} {what}.");

            public void OnlyKnown(string[] known)
            {
                var unknown = _o.Keys.FirstOrDefault(k => !known.Contains(k, StringComparer.Ordinal));
                if (unknown != null) throw Bad(unknown, "is not a field of this plan format");
            }

            public bool Has(string name) => _o.TryGetValue(name, out var v) && v != null;

            private object? Get(string name, bool required)
            {
                _o.TryGetValue(name, out var v);
                if (v is null && required) throw Bad(name, "is missing");
                return v;
            }

            public string? Text(string name, bool required = true)
            {
                var v = Get(name, required);
                if (v is null) return null;
                if (!(v is string s)) throw Bad(name, "must be a string");
                if (s.Length == 0 && required) throw Bad(name, "is empty");
                if (s.Length > 4096 || s.Any(c => char.IsControl(c))) throw Bad(name, "holds control characters or is too long");
                return s;
            }

            public string? Md5(string name, bool required = true)
            {
                string? s = Text(name, required);
                if (s != null && (s.Length != 32 || !s.All(Uri.IsHexDigit))) throw Bad(name, $"must be an MD5 (32 hex digits), not '{s}'");
                return s?.ToLowerInvariant();
            }

            // A VM's signature as a VM or CloudStack reports it: usually an MD5, but whatever it is, one short word.
            public string? Token(string name)
            {
                string? s = Text(name, required: false);
                if (s != null && (s.Length > 128 || !s.All(c => char.IsLetterOrDigit(c) || c == '.' || c == '-' || c == '_')))
                    throw Bad(name, "must be one word of letters, digits, '.', '-' or '_'");
                return s;
            }

            public long Long(string name, long min, long max) => LongOrNull(name, min, max, required: true)!.Value;

            public long? LongOrNull(string name, long min, long max, bool required = false)
            {
                var v = Get(name, required);
                if (v is null) return null;
                if (!(v is long l)) throw Bad(name, "must be a whole number");
                if (l < min || l > max) throw Bad(name, $"is {l}, outside {min}..{max}");
                return l;
            }

            public bool Bool(string name) => Get(name, true) is bool b ? b : throw Bad(name, "must be true or false");

            public T? Enum<T>(string name, bool required = true) where T : struct
            {
                string? s = Text(name, required);
                if (s == null) return null;
                if (System.Enum.TryParse<T>(s, false, out var value) && System.Enum.IsDefined(typeof(T), value) && !char.IsDigit(s[0])) return value;
                throw Bad(name, $"is '{s}', not one of {string.Join(", ", System.Enum.GetNames(typeof(T)))}");
            }

            public DateTimeOffset Time(string name) =>
                DateTimeOffset.TryParse(Text(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : throw Bad(name, "is not a time");

            public IReadOnlyList<string> Strings(string name)
            {
                if (!(Get(name, true) is IList<object?> list)) throw Bad(name, "must be a list of strings");
                return list.Select((x, i) => x is string s && !s.Contains('\0') ? s : throw Bad($"{name}[{i}]", "must be a string")).ToList();
            }

            public Fields Object(string name) =>
                Get(name, true) is IDictionary<string, object?> d ? new Fields(d, Where(name), _source) : throw Bad(name, "must be an object");

            public IReadOnlyList<Fields> Objects(string name, int atLeast)
            {
                if (!(Get(name, true) is IList<object?> list)) throw Bad(name, "must be a list");
                if (list.Count < atLeast) throw Bad(name, "is empty");
                return list.Select((x, i) => x is IDictionary<string, object?> d ? new Fields(d, $"{Where(name)}[{i}]", _source) : throw Bad($"{name}[{i}]", "must be an object")).ToList();
            }
        }
    }
}
