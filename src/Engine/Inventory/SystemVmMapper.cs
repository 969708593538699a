using System;
using System.Collections.Generic;
using System.Globalization;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.Inventory
{
    /// <summary>Turns listSystemVms and listRouters items (real CloudStack field names) into <see cref="SystemVm"/>.</summary>
    public static class SystemVmMapper
    {
        /// <summary>A hypervisor host's management address by host id, from listHosts.</summary>
        public sealed record HostInfo(string Id, string? Name, string? IpAddress, string? Version);

        public static SystemVm FromSystemVm(IDictionary<string, object?> item, IReadOnlyDictionary<string, HostInfo> hosts, string server)
        {
            string? kind = item.GetString("systemvmtype");
            var type = string.Equals(kind, "consoleproxy", StringComparison.OrdinalIgnoreCase) ? SystemVmType.CPVM : SystemVmType.SSVM;
            return Common(item, hosts, server, type) with
            {
                Role = kind,
                AgentState = item.GetString("agentstate"),
            };
        }

        public static SystemVm FromRouter(IDictionary<string, object?> item, IReadOnlyDictionary<string, HostInfo> hosts, string server) =>
            Common(item, hosts, server, SystemVmType.Router) with
            {
                Role = item.GetString("role"),
                GuestIpAddress = item.GetString("guestipaddress"),
                SoftwareVersion = item.GetString("softwareversion"),
                ScriptsSignature = item.GetString("scriptsversion"),
                RequiresUpgrade = item.GetBool("requiresupgrade"),
                NetworkId = item.GetString("guestnetworkid"),
                NetworkName = item.GetString("guestnetworkname"),
                VpcId = item.GetString("vpcid"),
                VpcName = item.GetString("vpcname"),
                IsRedundant = item.GetBool("isredundantrouter") ?? false,
                RedundantState = item.GetString("redundantstate"),
                Account = item.GetString("account"),
                Domain = item.GetString("domain"),
                HealthChecksFailed = item.GetBool("healthchecksfailed"),
                FailedHealthChecks = RouterHealth.Failed(item),
            };

        // The fields both responses name alike, joined with the VM's hypervisor host from listHosts.
        private static SystemVm Common(IDictionary<string, object?> item, IReadOnlyDictionary<string, HostInfo> hosts, string server, SystemVmType type)
        {
            string? hostId = item.GetString("hostid");
            hosts.TryGetValue(hostId ?? "", out var host);
            return new SystemVm
            {
                Id = item.GetString("id") ?? "",
                Name = item.GetString("name") ?? "",
                Type = type,
                State = item.GetString("state"),
                ZoneId = item.GetString("zoneid"),
                ZoneName = item.GetString("zonename"),
                PodId = item.GetString("podid"),
                PodName = item.GetString("podname"),
                HostId = hostId,
                HostName = item.GetString("hostname") ?? host?.Name,
                HostAddress = host?.IpAddress,
                HostAgentVersion = host?.Version,
                Hypervisor = item.GetString("hypervisor"),
                LinkLocalIp = item.GetString("linklocalip"),
                PrivateIp = item.GetString("privateip"),
                PublicIp = item.GetString("publicip"),
                TemplateVersion = item.GetString("version"),
                TemplateId = item.GetString("templateid"),
                // listSystemVms and listRouters both name the template (templatename beside templateid).
                TemplateName = item.GetString("templatename"),
                Created = ParseDate(item.GetString("created")),
                Server = server,
            };
        }

        public static HostInfo ToHost(IDictionary<string, object?> item) =>
            new HostInfo(item.GetString("id") ?? "", item.GetString("name"), item.GetString("ipaddress"), item.GetString("version"));

        // CloudStack writes dates as 2024-01-31T10:20:30+0000 (no colon in the offset), which DateTimeOffset needs help with.
        internal static DateTimeOffset? ParseDate(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            string[] formats = { "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:sszz00", "yyyy-MM-dd'T'HH:mm:ssK" };
            string normalised = text!;
            if (normalised.Length > 5 && (normalised[normalised.Length - 5] == '+' || normalised[normalised.Length - 5] == '-'))
                normalised = normalised.Substring(0, normalised.Length - 2) + ":" + normalised.Substring(normalised.Length - 2);
            return DateTimeOffset.TryParseExact(normalised, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : (DateTimeOffset?)null;
        }
    }
}
