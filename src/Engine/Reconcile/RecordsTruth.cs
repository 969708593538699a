using System;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Engine.Reconcile
{
    /// <summary>
    /// Whether CloudStack's records of a VM agree with what the VM runs. For a router CloudStack records the template
    /// version and the scripts signature (listRouters version, scriptsversion), written only when CloudStack itself
    /// patches or starts it; the router_version_check health check compares exactly these with the router's files.
    /// </summary>
    public sealed record RecordsTruth
    {
        /// <summary>What stale router records mean, for results and history.</summary>
        public const string StaleMeaning =
            "CloudStack's records of it stay stale: listRouters keeps the old version and may say requiresupgrade, its router_version_check health check fails "
            + "(CloudStack may recreate a router where that check is in router.health.checks.failures.to.recreate.vr), and with router.version.check on, "
            + "commands to an old-template router are refused (\"Router requires upgrade\").";

        /// <summary>How to bring them in line.</summary>
        public const string StaleFix =
            "To fix: once the router's host holds the bundle in " + HostBundleFiles.HostFolder + " (upgrade cloudstack-common there), run Invoke-LivePatch again "
            + "(-Reconcile WhereSafe, or IncludeRedundant for a pair): it finds the router current and restarts its network with livepatch=true.";

        /// <summary>True: the records disagree with the VM; false: they agree; null: not known (not probed, or an SSVM/CPVM).</summary>
        public bool? Stale { get; init; }
        public string? RecordedTemplateVersion { get; init; }
        public string? RecordedSignature { get; init; }
        public string? RunningTemplateVersion { get; init; }
        public string? RunningSignature { get; init; }
        public string Description { get; init; } = "";

        /// <summary>The VM's records (from the inventory) against what it showed over SSH (release line and signature).</summary>
        public static RecordsTruth Of(SystemVm vm, string? releaseLine, string? runningSignature)
        {
            if (vm is null) throw new ArgumentNullException(nameof(vm));
            if (vm.Type != SystemVmType.Router)
                return new RecordsTruth { Description = "CloudStack keeps no scripts record for an SSVM/CPVM: listSystemVms' version is its agent's, rewritten when the agent reconnects (after its cloud service restarts)" };
            string? running = TemplateVersionOf(releaseLine);
            var truth = new RecordsTruth
            {
                RecordedTemplateVersion = vm.TemplateVersion, RecordedSignature = vm.ScriptsSignature,
                RunningTemplateVersion = running, RunningSignature = runningSignature,
            };
            if (running is null || string.IsNullOrWhiteSpace(runningSignature))
                return truth with { Description = "not known: the router was not read over SSH" };
            bool template = string.Equals(vm.TemplateVersion, running, StringComparison.Ordinal);
            bool scripts = string.Equals(vm.ScriptsSignature, runningSignature!.Trim(), StringComparison.OrdinalIgnoreCase);
            if (template && scripts) return truth with { Stale = false, Description = "CloudStack's records agree with the router" };
            string what = !scripts
                ? $"CloudStack records scripts {Show(vm.ScriptsSignature)}, the router runs {runningSignature.Trim()}"
                : $"CloudStack records template {Show(vm.TemplateVersion)}, the router runs {running}";
            return truth with { Stale = true, Description = what };
        }

        /// <summary>"Cloudstack Release 4.19.1.0 Mon ..." → "4.19.1.0" (what CloudStack stores and listRouters shows), else null.</summary>
        public static string? TemplateVersionOf(string? releaseLine)
        {
            if (string.IsNullOrWhiteSpace(releaseLine)) return null;
            var words = releaseLine!.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            return words.Length >= 3 ? words[2] : null;
        }

        private static string Show(string? value) => string.IsNullOrEmpty(value) ? "nothing" : Text.ConsoleText.Sanitize(value, 64);
    }
}
