using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using SysVmPatch.Tests.Infrastructure;

namespace SysVmPatch.Tests.Contract
{
    /// <summary>
    /// Reads the cmdlet assembly without executing it: System.Management.Automation here is PowerShellStandard's
    /// reference assembly, which cannot be loaded to run, so attributes are read as metadata.
    /// </summary>
    public sealed class CmdletMetadata : IDisposable
    {
        private readonly MetadataLoadContext _context;

        public Assembly Cmdlets { get; }
        public Assembly Automation { get; }
        public IReadOnlyList<CmdletInfo> All { get; }

        public CmdletMetadata()
        {
            string cmdletPath = RepoPaths.CmdletAssembly;
            if (!File.Exists(cmdletPath)) throw new FileNotFoundException("Build the solution first: the cmdlet assembly is missing.", cmdletPath);
            string automation = Path.Combine(AppContext.BaseDirectory, "System.Management.Automation.dll");
            var paths = Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")
                .Concat(Directory.GetFiles(Path.GetDirectoryName(cmdletPath)!, "*.dll"))
                .Append(automation)
                .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.Last());
            _context = new MetadataLoadContext(new PathAssemblyResolver(paths), "System.Runtime");
            Cmdlets = _context.LoadFromAssemblyPath(cmdletPath);
            Automation = _context.LoadFromAssemblyPath(automation);
            All = Cmdlets.GetTypes()
                .Select(t => (Type: t, Attr: t.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == "System.Management.Automation.CmdletAttribute")))
                .Where(x => x.Attr != null)
                .Select(x => new CmdletInfo(x.Type, x.Attr!))
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ToList();
        }

        /// <summary>Every approved verb, read from the Verbs* classes of System.Management.Automation.</summary>
        public ISet<string> ApprovedVerbs()
        {
            var verbs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var cls in new[] { "VerbsCommon", "VerbsCommunications", "VerbsData", "VerbsDiagnostic", "VerbsLifecycle", "VerbsSecurity", "VerbsOther" })
            {
                var type = Automation.GetType("System.Management.Automation." + cls, throwOnError: true)!;
                foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
                    verbs.Add((string)f.GetRawConstantValue()!);
            }
            return verbs;
        }

        public void Dispose() => _context.Dispose();
    }

    public sealed class CmdletInfo
    {
        public Type Type { get; }
        public string Verb { get; }
        public string Noun { get; }
        public string Name => Verb + "-" + Noun;
        public bool SupportsShouldProcess { get; }
        public string? ConfirmImpact { get; }

        public CmdletInfo(Type type, CustomAttributeData attr)
        {
            Type = type;
            Verb = (string)attr.ConstructorArguments[0].Value!;
            Noun = (string)attr.ConstructorArguments[1].Value!;
            SupportsShouldProcess = attr.NamedArguments.Any(a => a.MemberName == "SupportsShouldProcess" && (bool)a.TypedValue.Value!);
            var impact = attr.NamedArguments.Where(a => a.MemberName == "ConfirmImpact").Select(a => (int?)(int)a.TypedValue.Value!).FirstOrDefault();
            ConfirmImpact = impact.HasValue ? Enum.GetName(typeof(ConfirmImpactValue), impact.Value) : null;
        }

        /// <summary>Public properties carrying [Parameter], including inherited ones.</summary>
        public IEnumerable<PropertyInfo> Parameters() =>
            Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetCustomAttributesData().Any(a => a.AttributeType.FullName == "System.Management.Automation.ParameterAttribute"));

        public bool HasAttribute(string fullName) => Type.GetCustomAttributesData().Any(a => a.AttributeType.FullName == fullName);

        public override string ToString() => Name;

        // Mirror of System.Management.Automation.ConfirmImpact's values, to name them without loading that type.
        private enum ConfirmImpactValue { None, Low, Medium, High }
    }
}
