using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>
    /// A router's last health check results as listRouters reports them with fetchhealthcheckresults=true: a failing
    /// router_version_check means CloudStack's records disagree with what the router runs, and where operators listed
    /// it in router.health.checks.failures.to.recreate.vr, CloudStack may recreate the router.
    /// </summary>
    public static class RouterHealth
    {
        public const string VersionCheck = "router_version_check";

        /// <summary>"name: details" of every failed check, text from the API made safe for the console.</summary>
        public static IReadOnlyList<string> Failed(IDictionary<string, object?> router)
        {
            var results = router.GetArray("healthcheckresults");
            if (results is null) return Array.Empty<string>();
            var failed = new List<string>();
            foreach (var item in results.OfType<IDictionary<string, object?>>())
            {
                if (item.GetBool("success") != false) continue;
                string name = Text.ConsoleText.Sanitize(item.GetString("checkname") ?? "unnamed", 60);
                string details = Text.ConsoleText.Sanitize(item.GetString("details") ?? "", 300);
                failed.Add(details.Length == 0 ? name : name + ": " + details);
            }
            return failed;
        }

        public static IEnumerable<string> Names(IEnumerable<string> failed) => failed.Select(f => { int colon = f.IndexOf(':'); return colon < 0 ? f : f.Substring(0, colon); });
    }
}
