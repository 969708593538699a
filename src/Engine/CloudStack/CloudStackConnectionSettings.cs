using System;
using System.Globalization;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// Everything needed to talk to one management server: where, with which keys, and how patiently.
    /// Built explicitly, from a CloudMonkey profile (<see cref="CloudMonkeyConfig"/>) or from the
    /// CLOUDSTACK_* environment variables Ansible users already set. The secret never prints.
    /// </summary>
    public sealed class CloudStackConnectionSettings
    {
        public const string EndpointVariable = "CLOUDSTACK_ENDPOINT";
        public const string KeyVariable = "CLOUDSTACK_KEY";
        public const string SecretVariable = "CLOUDSTACK_SECRET";
        public const string TimeoutVariable = "CLOUDSTACK_TIMEOUT";
        public const string VerifyVariable = "CLOUDSTACK_VERIFY";

        /// <summary>The connection's name (what -Server selects); defaults to the endpoint's host.</summary>
        public string Name { get; init; } = "";
        /// <summary>The API URL, ending in /client/api.</summary>
        public Uri Endpoint { get; init; } = null!;
        public string ApiKey { get; init; } = "";
        public CloudStackSecret SecretKey { get; init; } = null!;
        /// <summary>Accept any TLS certificate (self-signed management servers). Off unless asked for.</summary>
        public bool SkipCertificateCheck { get; init; }
        /// <summary>
        /// Allow an http:// endpoint, over which the API key and every signed request (replayable until it expires)
        /// travel in clear text. Off unless asked for, as Invoke-RestMethod -AllowUnencryptedAuthentication.
        /// </summary>
        public bool AllowUnencryptedAuthentication { get; init; }
        /// <summary>Longest wait for one HTTP request, connection included.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
        /// <summary>How many times a request is repeated after a 5xx or a transport error (never after a 4xx).</summary>
        public int RetryCount { get; init; } = 3;
        /// <summary>First pause before a retry; doubles each time up to <see cref="RetryMaxDelay"/>, with jitter.</summary>
        public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
        public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(15);
        /// <summary>Items per list page (CloudStack's default.page.size caps it, 500 out of the box).</summary>
        public int PageSize { get; init; } = 500;
        /// <summary>How many list pages are fetched at once.</summary>
        public int MaxConcurrency { get; init; } = 4;
        /// <summary>First pause between queryAsyncJobResult polls; doubles up to <see cref="JobPollMaxDelay"/>.</summary>
        public TimeSpan JobPollInitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);
        public TimeSpan JobPollMaxDelay { get; init; } = TimeSpan.FromSeconds(5);
        /// <summary>Longest wait for one async job (CloudMonkey's timeout); the job may still finish on the server.</summary>
        public TimeSpan JobTimeout { get; init; } = TimeSpan.FromMinutes(30);
        /// <summary>How long each signed request stays valid (the expires parameter).</summary>
        public TimeSpan SignatureLifetime { get; init; } = RequestSigner.DefaultExpiry;

        /// <summary>Settings from explicit values; <paramref name="endpoint"/> may omit /client/api.</summary>
        public static CloudStackConnectionSettings Create(string endpoint, string apiKey, CloudStackSecret secretKey, string? name = null)
        {
            var uri = ParseEndpoint(endpoint, "the endpoint");
            var settings = new CloudStackConnectionSettings
            {
                Endpoint = uri,
                ApiKey = apiKey ?? "",
                SecretKey = secretKey!,
                Name = string.IsNullOrWhiteSpace(name) ? uri.Host : name!,
            };
            settings.ValidateValues();
            return settings;
        }

        /// <summary>
        /// Settings from CLOUDSTACK_ENDPOINT, CLOUDSTACK_KEY, CLOUDSTACK_SECRET, and optionally CLOUDSTACK_TIMEOUT
        /// (seconds) and CLOUDSTACK_VERIFY (false/no/0 skips the certificate check).
        /// </summary>
        public static CloudStackConnectionSettings FromEnvironment(Func<string, string?>? getVariable = null, string? name = null)
        {
            getVariable ??= Environment.GetEnvironmentVariable;
            string? endpoint = getVariable(EndpointVariable), key = getVariable(KeyVariable), secret = getVariable(SecretVariable);
            var missing = new System.Collections.Generic.List<string>();
            if (string.IsNullOrWhiteSpace(endpoint)) missing.Add(EndpointVariable);
            if (string.IsNullOrWhiteSpace(key)) missing.Add(KeyVariable);
            if (string.IsNullOrEmpty(secret)) missing.Add(SecretVariable);
            if (missing.Count > 0)
                throw new CloudStackSettingsException($"The environment does not name a CloudStack connection: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set.");

            var uri = ParseEndpoint(endpoint!, EndpointVariable);
            var settings = new CloudStackConnectionSettings
            {
                Endpoint = uri,
                ApiKey = key!.Trim(),
                SecretKey = new CloudStackSecret(secret!),
                Name = string.IsNullOrWhiteSpace(name) ? uri.Host : name!,
            };
            string? timeout = getVariable(TimeoutVariable);
            if (!string.IsNullOrWhiteSpace(timeout))
                settings = settings.With(timeout: ParseSeconds(timeout!, TimeoutVariable));
            string? verify = getVariable(VerifyVariable);
            if (!string.IsNullOrWhiteSpace(verify))
                settings = settings.With(skipCertificateCheck: IsFalse(verify!));
            settings.ValidateValues();
            return settings;
        }

        /// <summary>Settings from a CloudMonkey profile; see <see cref="CloudMonkeyConfig.ReadProfile"/>.</summary>
        public static CloudStackConnectionSettings FromCloudMonkeyProfile(string? profile = null, string? configPath = null) =>
            CloudMonkeyConfig.Load(configPath ?? CloudMonkeyConfig.DefaultPath()).ReadProfile(profile);

        /// <summary>A copy with some values replaced (records would do this, but the secret type stays a class).</summary>
        public CloudStackConnectionSettings With(
            string? name = null, bool? skipCertificateCheck = null, TimeSpan? timeout = null, int? retryCount = null,
            TimeSpan? retryBaseDelay = null, TimeSpan? retryMaxDelay = null, int? pageSize = null, int? maxConcurrency = null,
            TimeSpan? jobPollInitialDelay = null, TimeSpan? jobPollMaxDelay = null, TimeSpan? jobTimeout = null,
            bool? allowUnencryptedAuthentication = null) =>
            new CloudStackConnectionSettings
            {
                Name = name ?? Name,
                Endpoint = Endpoint,
                ApiKey = ApiKey,
                SecretKey = SecretKey,
                SkipCertificateCheck = skipCertificateCheck ?? SkipCertificateCheck,
                AllowUnencryptedAuthentication = allowUnencryptedAuthentication ?? AllowUnencryptedAuthentication,
                Timeout = timeout ?? Timeout,
                RetryCount = retryCount ?? RetryCount,
                RetryBaseDelay = retryBaseDelay ?? RetryBaseDelay,
                RetryMaxDelay = retryMaxDelay ?? RetryMaxDelay,
                PageSize = pageSize ?? PageSize,
                MaxConcurrency = maxConcurrency ?? MaxConcurrency,
                JobPollInitialDelay = jobPollInitialDelay ?? JobPollInitialDelay,
                JobPollMaxDelay = jobPollMaxDelay ?? JobPollMaxDelay,
                JobTimeout = jobTimeout ?? JobTimeout,
                SignatureLifetime = SignatureLifetime,
            };

        /// <summary>
        /// Throws <see cref="CloudStackSettingsException"/> naming the first value that cannot work, including an
        /// http:// endpoint without <see cref="AllowUnencryptedAuthentication"/>. Every client checks this.
        /// </summary>
        public void Validate()
        {
            ValidateValues();
            if (IsUnencrypted && !AllowUnencryptedAuthentication)
                throw new CloudStackSettingsException(
                    $"{Endpoint} is plain http: the API key and every signed request would cross the network in clear text, readable and replayable by anyone on the path. "
                    + "Use the management server's https URL, or - on a network you trust, knowing the risk - connect allowing unencrypted authentication.") { Remedy = Errors.EngineOption.AllowUnencryptedAuthentication };
        }

        /// <summary>True for an http:// endpoint.</summary>
        public bool IsUnencrypted => Endpoint != null && Endpoint.Scheme == Uri.UriSchemeHttp;

        /// <summary>The warning to show for an http:// endpoint that was allowed; null over https.</summary>
        public string? UnencryptedWarning => IsUnencrypted
            ? $"{Name}: {Endpoint} is plain http. The API key and every signed request travel in clear text; anyone on the path can read them and replay the requests until they expire. Use https."
            : null;

        // Every value but the transport: what Create, FromEnvironment and profiles check before a caller can opt in to http.
        internal void ValidateValues()
        {
            if (Endpoint is null) throw new CloudStackSettingsException("No endpoint given: name the management server's API URL, e.g. https://cloud.example.com:8443/client/api.");
            if (string.IsNullOrWhiteSpace(ApiKey)) throw new CloudStackSettingsException($"No API key given for {Endpoint}.");
            if (SecretKey is null) throw new CloudStackSettingsException($"No secret key given for {Endpoint}.");
            if (string.IsNullOrWhiteSpace(Name)) throw new CloudStackSettingsException("The connection has no name.");
            if (Timeout <= TimeSpan.Zero) throw new CloudStackSettingsException($"The timeout must be positive (got {Timeout}).");
            if (RetryCount < 0) throw new CloudStackSettingsException($"The retry count cannot be negative (got {RetryCount}).");
            if (PageSize < 1) throw new CloudStackSettingsException($"The page size must be at least 1 (got {PageSize}).");
            if (MaxConcurrency < 1) throw new CloudStackSettingsException($"The paging concurrency must be at least 1 (got {MaxConcurrency}).");
            if (JobTimeout <= TimeSpan.Zero) throw new CloudStackSettingsException($"The job timeout must be positive (got {JobTimeout}).");
        }

        /// <summary>
        /// Parses an endpoint URL: http or https with a host; a bare server URL gets /client/api appended.
        /// <paramref name="source"/> names where the value came from, for the error message.
        /// </summary>
        public static Uri ParseEndpoint(string endpoint, string source = "the endpoint")
        {
            string text = (endpoint ?? "").Trim();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
                throw new CloudStackSettingsException($"{Capitalise(source)} '{CloudStackException.Clean(text, 200)}' is not an http(s) URL; expected e.g. https://cloud.example.com:8443/client/api.");
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                throw new CloudStackSettingsException($"{Capitalise(source)} must not carry a query or fragment; give the API URL only, e.g. https://cloud.example.com:8443/client/api.");
            string path = uri.AbsolutePath.TrimEnd('/');
            if (path.Length == 0) path = "/client/api";
            else if (path.EndsWith("/client", StringComparison.OrdinalIgnoreCase)) path += "/api";
            return new UriBuilder(uri) { Path = path }.Uri;
        }

        internal static TimeSpan ParseSeconds(string text, string source)
        {
            if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0 || seconds > int.MaxValue / 1000)
                throw new CloudStackSettingsException($"{source} must be a positive number of seconds (got '{CloudStackException.Clean(text, 50)}').");
            return TimeSpan.FromSeconds(seconds);
        }

        internal static bool IsFalse(string text)
        {
            string t = text.Trim();
            return t.Equals("false", StringComparison.OrdinalIgnoreCase) || t.Equals("no", StringComparison.OrdinalIgnoreCase) || t == "0";
        }

        private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

        /// <summary>Name, endpoint and the start of the API key; never the secret.</summary>
        public override string ToString()
        {
            string key = ApiKey.Length > 8 ? ApiKey.Substring(0, 8) + "…" : ApiKey;
            return $"{Name} ({Endpoint}, apikey {key}, secret {CloudStackSecret.Redacted})";
        }
    }
}
