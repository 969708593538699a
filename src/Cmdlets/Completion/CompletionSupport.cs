using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Cmdlets.Completion
{
    /// <summary>What every completer shares: the runspace's cache, the connection a command line names, and the results.</summary>
    internal static class CompletionSupport
    {
        // Short enough that a VM created a minute ago shows up; the budget keeps a Tab press under a second.
        private static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(800);
        private static readonly ConditionalWeakTable<Runspace, TimeBoxedCache> Caches = new ConditionalWeakTable<Runspace, TimeBoxedCache>();
        private static readonly TimeBoxedCache NoRunspace = new TimeBoxedCache(TimeToLive, Budget);

        /// <summary>The cache of the runspace completing now (completers run on its pipeline thread).</summary>
        public static TimeBoxedCache Cache()
        {
            var runspace = Runspace.DefaultRunspace;
            return runspace is null ? NoRunspace : Caches.GetValue(runspace, _ => new TimeBoxedCache(TimeToLive, Budget));
        }

        /// <summary>
        /// Values from the connection the command line names with -Server (its first value), else the default one;
        /// none when not connected. Cached per connection object, so a reconnect is asked afresh.
        /// </summary>
        public static IReadOnlyList<string> FromCloud(string kind, IDictionary fakeBoundParameters, Func<ICloudStackApi, CancellationToken, Task<IReadOnlyList<string>>> fetch)
        {
            var registry = RunspaceConnections.ForCurrentRunspace();
            string? server = FirstString(fakeBoundParameters, "Server");
            var api = server is null ? registry.Default : registry.Find(server);
            if (api is null) return Array.Empty<string>();
            string key = $"{kind}|{api.Name}|{RuntimeHelpers.GetHashCode(api)}";
            return Cache().Get(key, ct => fetch(api, ct));
        }

        /// <summary>The first string a parameter was given on the command line being completed, or null.</summary>
        public static string? FirstString(IDictionary? fakeBoundParameters, string name)
        {
            if (fakeBoundParameters is null || !fakeBoundParameters.Contains(name)) return null;
            object? value = fakeBoundParameters[name];
            if (value is PSObject pso) value = pso.BaseObject;
            if (value is IEnumerable list && !(value is string)) value = list.Cast<object?>().FirstOrDefault();
            string? text = value is null ? null : LanguagePrimitives.ConvertTo<string>(value);
            return string.IsNullOrEmpty(text) ? null : text;
        }

        /// <summary>The values that start with (or match, with wildcards) what was typed, quoted where PowerShell needs it.</summary>
        public static IEnumerable<CompletionResult> Results(IEnumerable<string> values, string? wordToComplete, string? tooltip = null)
        {
            string typed = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            foreach (var value in values)
                if (pattern.IsMatch(value))
                    yield return new CompletionResult(Quote(value), value, CompletionResultType.ParameterValue, tooltip ?? value);
        }

        private static string Quote(string value) =>
            value.IndexOfAny(new[] { ' ', '\t', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#', '|', '<', '>' }) < 0
                ? value
                : "'" + value.Replace("'", "''") + "'";
    }
}
