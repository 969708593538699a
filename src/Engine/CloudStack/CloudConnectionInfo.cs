using System;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>What Connect-SysVmCloud and Get-SysVmCloud show of a connection: never the secret, the API key shortened.</summary>
    public sealed class CloudConnectionInfo
    {
        public string Name { get; init; } = "";
        public Uri? Endpoint { get; init; }
        /// <summary>The first characters of the API key, enough to tell keys apart.</summary>
        public string ApiKey { get; init; } = "";
        /// <summary>The management server's version (listCapabilities cloudstackversion) when connected.</summary>
        public string? Version { get; init; }
        public bool IsDefault { get; init; }
        public bool SkipCertificateCheck { get; init; }

        public static CloudConnectionInfo From(CloudStackClient client, bool isDefault) => new CloudConnectionInfo
        {
            Name = client.Name,
            Endpoint = client.Endpoint,
            ApiKey = Shorten(client.Settings.ApiKey),
            Version = client.ManagementVersion,
            IsDefault = isDefault,
            SkipCertificateCheck = client.Settings.SkipCertificateCheck,
        };

        private static string Shorten(string key) => key.Length <= 8 ? "****" : key.Substring(0, 6) + "...";

        public override string ToString() => Name;
    }
}
