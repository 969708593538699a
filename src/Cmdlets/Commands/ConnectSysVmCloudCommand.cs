using System;
using System.Management.Automation;
using System.Security;
using SysVmPatch.Cmdlets.Infrastructure;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Cmdlets.Commands
{
    /// <summary>
    /// Connects to a CloudStack management server with API keys (given, from a CloudMonkey profile, or from the
    /// CLOUDSTACK_* variables), checks the keys with listCapabilities, and makes it the default connection.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "SysVmCloud", DefaultParameterSetName = KeysSet)]
    [OutputType(typeof(CloudConnectionInfo))]
    public sealed class ConnectSysVmCloudCommand : SysVmPatchCmdlet
    {
        private const string KeysSet = "Keys";
        private const string CredentialSet = "Credential";
        private const string ProfileSet = "Profile";
        private const string EnvironmentSet = "Environment";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = KeysSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
        [Alias("Endpoint")]
        [ValidateNotNullOrEmpty]
        public string Url { get; set; } = "";

        [Parameter(Mandatory = true, ParameterSetName = KeysSet)]
        [ValidateNotNullOrEmpty]
        public string ApiKey { get; set; } = "";

        [Parameter(Mandatory = true, ParameterSetName = KeysSet)]
        public SecureString? SecretKey { get; set; }

        /// <summary>User name = API key, password = secret key.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = ProfileSet)]
        [ValidateNotNullOrEmpty]
        public string Profile { get; set; } = "";

        /// <summary>The CloudMonkey config file; default ~/.cmk/config.</summary>
        [Parameter(ParameterSetName = ProfileSet)]
        public string? ConfigPath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
        public SwitchParameter FromEnvironment { get; set; }

        /// <summary>The connection's name for -Server; default the profile name or the endpoint's host.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Accept an http:// endpoint (API key and signed requests in clear text); warns when used.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Seconds per API request; unless given, $env:CLOUDSTACK_TIMEOUT with -FromEnvironment, else 60.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 60;

        /// <summary>Retries after HTTP 5xx answers or broken connections; unless given, the profile's, else 3.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int RetryCount { get; set; } = 3;

        /// <summary>Keep the current default connection as the default.</summary>
        [Parameter]
        public SwitchParameter NotDefault { get; set; }

        private bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        protected override void EndProcessing()
        {
            CloudStackConnectionSettings settings;
            try
            {
                settings = ParameterSetName switch
                {
                    ProfileSet => CloudStackConnectionSettings.FromCloudMonkeyProfile(Profile, ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath)),
                    EnvironmentSet => CloudStackConnectionSettings.FromEnvironment(),
                    CredentialSet => CloudStackConnectionSettings.Create(Url, Credential!.UserName, CloudStackSecret.FromSecureString(Credential.Password), Name),
                    _ => CloudStackConnectionSettings.Create(Url, ApiKey, CloudStackSecret.FromSecureString(SecretKey!), Name),
                };
                settings = settings.With(
                    name: Name,
                    skipCertificateCheck: SkipCertificateCheck.IsPresent ? true : (bool?)null,
                    // Only what the user gave overrides the profile or environment: the declared defaults are the engine's.
                    timeout: IsBound(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null,
                    retryCount: IsBound(nameof(RetryCount)) ? RetryCount : (int?)null,
                    allowUnencryptedAuthentication: AllowUnencryptedAuthentication.IsPresent ? true : (bool?)null);
                settings.Validate();
                if (settings.UnencryptedWarning != null) WriteWarning(settings.UnencryptedWarning);
            }
            catch (Exception e) when (e is CloudStackSettingsException || e is ArgumentException || e is System.IO.IOException)
            {
                Fail(e, "InvalidConnectionSettings", ErrorCategory.InvalidArgument, Name ?? Url);
                return;
            }

            CloudStackClient client;
            try
            {
                client = RunEngine(async (pump, ct) =>
                {
                    var connected = await CloudStackClient.ConnectAsync(settings, pump.Verbose, ct).ConfigureAwait(false);
                    connected.VerboseLog = null; // the connection outlives this cmdlet's verbose stream
                    return connected;
                });
            }
            catch (OperationCanceledException) when (CancelToken.IsCancellationRequested)
            {
                return;
            }
            catch (CloudStackException e)
            {
                bool refused = e is CloudStackApiException api && (api.HttpStatus == 401 || api.HttpStatus == 432);
                Fail(e, refused ? "CloudStackAuthenticationFailed" : "CloudStackConnectFailed",
                    refused ? ErrorCategory.AuthenticationError : ErrorCategory.ConnectionError, settings.Name);
                return;
            }
            Connections.Add(client, makeDefault: !NotDefault.IsPresent);
            WriteObject(CloudConnectionInfo.From(client, ReferenceEquals(Connections.Default, client)));
        }
    }
}
