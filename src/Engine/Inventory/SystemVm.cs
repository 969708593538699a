using System;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>
    /// One system VM or virtual router, in one shape whatever API call it came from
    /// (listSystemVms or listRouters), joined with its hypervisor host from listHosts.
    /// </summary>
    public sealed record SystemVm
    {
        public string Id { get; init; } = "";
        public string Name { get; init; } = "";
        public SystemVmType Type { get; init; }
        /// <summary>Router role (VIRTUAL_ROUTER, INTERNAL_LB_VM) or the system VM type as CloudStack names it.</summary>
        public string? Role { get; init; }
        public string? State { get; init; }
        /// <summary>Agent state of an SSVM/CPVM (Up, Disconnected); routers have none.</summary>
        public string? AgentState { get; init; }
        public string? ZoneId { get; init; }
        public string? ZoneName { get; init; }
        public string? PodId { get; init; }
        public string? PodName { get; init; }
        public string? HostId { get; init; }
        public string? HostName { get; init; }
        /// <summary>The hypervisor host's management IP (listHosts ipaddress): the SSH jump host on KVM and XenServer.</summary>
        public string? HostAddress { get; init; }
        /// <summary>The CloudStack agent version its hypervisor host reports (listHosts version): an old agent keeps an SSVM/CPVM old (#8406).</summary>
        public string? HostAgentVersion { get; init; }
        public string? Hypervisor { get; init; }
        public string? LinkLocalIp { get; init; }
        public string? PrivateIp { get; init; }
        public string? PublicIp { get; init; }
        public string? GuestIpAddress { get; init; }
        /// <summary>The API's <c>version</c>: template version for routers, agent version for SSVM/CPVM.</summary>
        public string? TemplateVersion { get; init; }
        /// <summary>Routers' <c>softwareversion</c>; SSVM/CPVM have none in the API.</summary>
        public string? SoftwareVersion { get; init; }
        /// <summary>Routers' <c>scriptsversion</c>: the MD5 of the cloud-scripts.tgz CloudStack last recorded.</summary>
        public string? ScriptsSignature { get; init; }
        public bool? RequiresUpgrade { get; init; }
        /// <summary>The release line the VM itself showed when probed (Compare-SysVmVersion -Probe); null when not probed.</summary>
        public string? ProbedRelease { get; init; }
        /// <summary>The scripts signature the VM itself showed when probed: truer than <see cref="ScriptsSignature"/>, which CloudStack may not have refreshed.</summary>
        public string? ProbedSignature { get; init; }
        /// <summary>The best release known: the probed one, else the API's.</summary>
        public string? BestRelease => string.IsNullOrWhiteSpace(ProbedRelease) ? TemplateVersion : ProbedRelease;
        /// <summary>The best scripts signature known: the probed one, else the API's.</summary>
        public string? BestSignature => string.IsNullOrWhiteSpace(ProbedSignature) ? ScriptsSignature : ProbedSignature;
        public string? NetworkId { get; init; }
        public string? NetworkName { get; init; }
        public string? VpcId { get; init; }
        public string? VpcName { get; init; }
        public bool IsRedundant { get; init; }
        /// <summary>PRIMARY/BACKUP (MASTER/BACKUP on older releases) for redundant routers.</summary>
        public string? RedundantState { get; init; }
        public string? TemplateId { get; init; }
        public string? TemplateName { get; init; }
        public string? Account { get; init; }
        public string? Domain { get; init; }
        public DateTimeOffset? Created { get; init; }
        /// <summary>Routers: whether any of CloudStack's last health checks failed (listRouters healthchecksfailed); null when not reported.</summary>
        public bool? HealthChecksFailed { get; init; }
        /// <summary>Routers: the failed checks, "name: details" (router_version_check fails while the records disagree with the router).</summary>
        public System.Collections.Generic.IReadOnlyList<string> FailedHealthChecks { get; init; } = Array.Empty<string>();
        /// <summary>For the default view: "ok", the failed checks' names, or "-" when CloudStack reported none.</summary>
        public string Health => FailedHealthChecks.Count > 0 ? "failed: " + string.Join(",", RouterHealth.Names(FailedHealthChecks))
            : HealthChecksFailed == true ? "failed" : HealthChecksFailed == false ? "ok" : "-";
        /// <summary>The name of the management-server connection this VM was read from.</summary>
        public string Server { get; init; } = "";

        public override string ToString() => Name;
    }
}
