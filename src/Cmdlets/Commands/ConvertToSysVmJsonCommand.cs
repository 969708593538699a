using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Writes the piped objects as one JSON array on one line, enums as their names, times in ISO 8601 and durations
    /// as d.hh:mm:ss: the same text in Windows PowerShell 5.1 (whose ConvertTo-Json has no -EnumsAsStrings and writes
    /// dates as \/Date()\/) and PowerShell 7, for schedulers, Ansible and DSC to read.
    /// </summary>
    [Cmdlet(VerbsData.ConvertTo, "SysVmJson")]
    [OutputType(typeof(string))]
    public sealed class ConvertToSysVmJsonCommand : SysVmPatchCmdlet
    {
        private readonly List<object?> _items = new List<object?>();

        /// <summary>Objects to write (any kind: results, comparisons, history records, hashtables).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject? InputObject { get; set; }

        /// <summary>Levels of nested objects written in full; deeper ones are written as their text, as ConvertTo-Json does.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int Depth { get; set; } = 4;

        protected override void ProcessRecord() => _items.Add(Plain(InputObject, Depth));

        // One array whatever the count, so a reader never has to tell one object from a list of them.
        protected override void EndProcessing() => WriteObject(JsonWriter.Write(_items));

        /// <summary>The value as the engine's JSON writer takes it: strings, numbers, enums, times, lists and dictionaries.</summary>
        private static object? Plain(object? value, int depth)
        {
            if (value is null) return null;
            object inner = value is PSObject wrapped ? wrapped.BaseObject : value;
            switch (inner)
            {
                case string _: case bool _: case Enum _: case DateTime _: case DateTimeOffset _: case TimeSpan _: case Guid _:
                    return inner;
                case char c: return c.ToString();
                case IConvertible number when inner.GetType().IsPrimitive || inner is decimal:
                    return number is double d && (double.IsNaN(d) || double.IsInfinity(d)) ? d.ToString(CultureInfo.InvariantCulture) : inner;
                case Uri _: case Version _: return Convert.ToString(inner, CultureInfo.InvariantCulture);
            }
            // PowerShell's own text of the object: for a PSCustomObject "@{Name=...}", as ConvertTo-Json writes it.
            if (depth <= 0) return PSObject.AsPSObject(value).ToString();
            if (inner is IDictionary dictionary)
            {
                var entries = new Dictionary<string, object?>();
                foreach (DictionaryEntry e in dictionary) entries[Convert.ToString(e.Key, CultureInfo.InvariantCulture) ?? ""] = Plain(e.Value, depth - 1);
                return entries;
            }
            if (inner is IEnumerable list && !(inner is PSCustomObject))
            {
                var items = new List<object?>();
                foreach (var item in list) items.Add(Plain(item, depth - 1));
                return items;
            }
            // Properties as PowerShell shows them: the object's own, and any a script or type data added.
            var properties = new Dictionary<string, object?>();
            foreach (var property in PSObject.AsPSObject(value).Properties)
            {
                if (!property.IsGettable) continue;
                object? propertyValue;
                try { propertyValue = property.Value; }
                catch (GetValueException) { propertyValue = null; }
                properties[property.Name] = Plain(propertyValue, depth - 1);
            }
            return properties;
        }
    }
}
