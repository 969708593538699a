using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.CloudStack
{
    /// <summary>
    /// The real client of one management server: signed GET (POST when the query is long), a timeout per
    /// request that nothing outlives, retries with backoff where repeating is safe, paging and async jobs.
    /// Thread-safe: one instance serves concurrent calls.
    /// </summary>
    public sealed partial class CloudStackClient : ICloudStackApi, IDisposable
    {
        // Longer URLs risk proxy and servlet limits; past this the signed parameters travel in a form body.
        private const int MaxGetUrlLength = 4000;

        private readonly HttpClient _http;
        // Commands that change something travel alone on a connection that is closed after them: a pooled
        // connection the server has just closed makes the HTTP stack send the request again by itself.
        private readonly HttpClient _changeHttp;
        private readonly RetryPolicy _retry;
        private bool _disposed;

        public CloudStackClient(CloudStackConnectionSettings settings) : this(settings, CreateHandler(settings), CreateHandler(settings)) { }

        /// <summary>For tests: a client over the given handler (which it disposes), for reads and changes alike.</summary>
        internal CloudStackClient(CloudStackConnectionSettings settings, HttpMessageHandler handler) : this(settings, handler, null) { }

        private CloudStackClient(CloudStackConnectionSettings settings, HttpMessageHandler handler, HttpMessageHandler? changeHandler)
        {
            Settings = settings ?? throw new ArgumentNullException(nameof(settings));
            settings.Validate();
            // HttpClient's own timeout stays off: each request gets a linked token that carries our timeout,
            // so a caller's cancellation and a timeout are told apart.
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            _http.DefaultRequestHeaders.UserAgent.ParseAdd("SysVmPatch/" + typeof(CloudStackClient).Assembly.GetName().Version);
            _changeHttp = _http;
            if (changeHandler != null)
            {
                _changeHttp = new HttpClient(changeHandler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
                _changeHttp.DefaultRequestHeaders.UserAgent.ParseAdd("SysVmPatch/" + typeof(CloudStackClient).Assembly.GetName().Version);
            }
            _retry = new RetryPolicy(settings.RetryCount, settings.RetryBaseDelay, settings.RetryMaxDelay);
        }

        public CloudStackConnectionSettings Settings { get; }

        /// <inheritdoc />
        public string Name => Settings.Name;

        public Uri Endpoint => Settings.Endpoint;

        /// <summary>
        /// Receives one line per request, retry and job poll ("GET listRouters page 2/10 (pagesize 500)"); never the
        /// secret or the query. May be called from several threads at once: a cmdlet must queue the lines and
        /// write them on its pipeline thread.
        /// </summary>
        public Action<string>? VerboseLog { get; set; }

        /// <summary>The clock the expires parameter is computed from; replaceable for tests.</summary>
        internal Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

        /// <inheritdoc />
        public Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
            ExecuteAsync(command, parameters, cancellationToken, detail: null);

        /// <summary>The management server's version (listCapabilities cloudstackversion).</summary>
        public Task<string> GetManagementVersionAsync(CancellationToken cancellationToken) =>
            CloudStackApiExtensions.GetManagementVersionAsync(this, cancellationToken);

        /// <summary>The version <see cref="ConnectAsync"/> read; null for a client made with the constructor.</summary>
        public string? ManagementVersion { get; private set; }

        /// <summary>
        /// A client whose keys are proven: it signs one listCapabilities and keeps the answer's version in
        /// <see cref="ManagementVersion"/>. On any failure the client is disposed and the error thrown, so
        /// Connect-SysVmCloud registers only connections that work.
        /// </summary>
        public static async Task<CloudStackClient> ConnectAsync(CloudStackConnectionSettings settings, Action<string>? verboseLog, CancellationToken cancellationToken)
        {
            var client = new CloudStackClient(settings) { VerboseLog = verboseLog };
            try
            {
                client.ManagementVersion = await client.GetManagementVersionAsync(cancellationToken).ConfigureAwait(false);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        internal async Task<IDictionary<string, object?>> ExecuteAsync(string command, IReadOnlyDictionary<string, string>? parameters, CancellationToken cancellationToken, string? detail)
        {
            if (_disposed) throw new ObjectDisposedException(nameof(CloudStackClient));
            if (string.IsNullOrEmpty(command)) throw new ArgumentException("No command given.", nameof(command));
            if (!RetryPolicy.IsReadOnly(command)) return await ExecuteChangeAsync(command, parameters, cancellationToken, detail).ConfigureAwait(false);
            for (int attempt = 0; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    return await SendOnceAsync(command, parameters, detail, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudStackException e) when (attempt < _retry.RetryCount && RetryPolicy.IsRetriable(command, e))
                {
                    var delay = _retry.DelayFor(attempt + 1);
                    Log($"{command}: {Describe(e)}; retry {attempt + 1}/{_retry.RetryCount} in {CloudStackResponse.Seconds(delay)}");
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task<IDictionary<string, object?>> SendOnceAsync(string command, IReadOnlyDictionary<string, string>? parameters, string? detail, CancellationToken cancellationToken, bool change = false)
        {
            var signed = RequestSigner.SignParameters(command, parameters, Settings.ApiKey, Settings.SecretKey, Clock() + Settings.SignatureLifetime);
            string query = RequestSigner.BuildQuery(signed);
            // A change always travels as a POST whose body can be written once (SendOnceContent says why).
            bool post = change || Endpoint.AbsoluteUri.Length + 1 + query.Length > MaxGetUrlLength;
            using var request = post
                ? new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = change ? new SendOnceContent(query) : new StringContent(query, Encoding.UTF8, "application/x-www-form-urlencoded") }
                : new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint.AbsoluteUri + "?" + query));
            if (change) request.Headers.ConnectionClose = true; // and never reused for another request
            Log($"{(post ? "POST" : "GET")} {command}{(string.IsNullOrEmpty(detail) ? "" : " " + detail)}");

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Settings.Timeout);
            var watch = Stopwatch.StartNew();
            try
            {
                using var response = await (change ? _changeHttp : _http).SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                string body = response.Content is null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if (status >= 200 && status < 300)
                    return CloudStackResponse.Unwrap(command, status, body, Endpoint, Settings.SecretKey);
                throw CloudStackResponse.FromErrorStatus(command, status, response.ReasonPhrase, body, Endpoint, Settings.SecretKey);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CloudStackTransportException(
                    $"{command} got no answer from {Endpoint} within {CloudStackResponse.Seconds(Settings.Timeout)} (gave up after {CloudStackResponse.Seconds(watch.Elapsed)}). "
                    + "The management server may be overloaded; raise the connection's request timeout if it is merely slow.",
                    command, CloudStackTransportFailure.Timeout, e) { Remedy = Errors.EngineOption.RequestTimeout };
            }
            catch (HttpRequestException e)
            {
                throw Classify(command, e);
            }
        }

        private CloudStackTransportException Classify(string command, HttpRequestException e)
        {
            // .NET Framework (Windows PowerShell 5.1) reports through WebException statuses what .NET reports
            // through inner AuthenticationException and SocketException.
            var web = Find<System.Net.WebException>(e);
            var auth = Find<AuthenticationException>(e);
            if (auth != null || web?.Status == System.Net.WebExceptionStatus.TrustFailure)
                return new CloudStackTransportException(
                    Settings.SecretKey.Scrub($"The TLS certificate of {Endpoint} is not trusted ({CloudStackException.Clean((auth ?? (Exception)web!).Message, 200)}). "
                    + "Trust its CA on this computer, or - for a self-signed management server you know - connect skipping the certificate check."),
                    command, CloudStackTransportFailure.CertificateInvalid, e) { Remedy = Errors.EngineOption.SkipCertificateCheck };
            var socket = Find<SocketException>(e);
            if (socket != null && (socket.SocketErrorCode == SocketError.ConnectionRefused || socket.SocketErrorCode == SocketError.HostNotFound
                || socket.SocketErrorCode == SocketError.HostUnreachable || socket.SocketErrorCode == SocketError.NetworkUnreachable
                || socket.SocketErrorCode == SocketError.TryAgain || socket.SocketErrorCode == SocketError.NoData || socket.SocketErrorCode == SocketError.TimedOut)
                || web?.Status == System.Net.WebExceptionStatus.ConnectFailure || web?.Status == System.Net.WebExceptionStatus.NameResolutionFailure)
                return new CloudStackTransportException(
                    $"Cannot reach the CloudStack API at {Endpoint} ({CloudStackException.Clean((socket ?? (Exception)web!).Message, 200)}). Check the URL, the port and any firewall in between.",
                    command, CloudStackTransportFailure.Unreachable, e);
            string detail = CloudStackException.Clean(Innermost(e).Message, 200);
            return new CloudStackTransportException(
                Settings.SecretKey.Scrub($"{command}: the connection to {Endpoint} failed ({detail})."),
                command, CloudStackTransportFailure.ConnectionLost, e);
        }

        private static T? Find<T>(Exception e) where T : Exception
        {
            for (Exception? x = e; x != null; x = x.InnerException)
                if (x is T t) return t;
            return null;
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        private static string Describe(CloudStackException e) => e switch
        {
            CloudStackApiException api => $"HTTP {api.HttpStatus}",
            CloudStackTransportException t => t.Failure.ToString(),
            _ => e.GetType().Name,
        };

        private void Log(string line)
        {
            var log = VerboseLog;
            if (log is null) return;
            try { log(line); }
            catch (Exception) { /* a broken log sink must not fail the request */ }
        }

        /// <summary>The signed GET URL for a command as this client would send it at time <paramref name="now"/>.</summary>
        internal Uri BuildRequestUri(string command, IReadOnlyDictionary<string, string>? parameters, DateTimeOffset now)
        {
            var signed = RequestSigner.SignParameters(command, parameters, Settings.ApiKey, Settings.SecretKey, now + Settings.SignatureLifetime);
            return new Uri(Endpoint.AbsoluteUri + "?" + RequestSigner.BuildQuery(signed));
        }

        private static HttpMessageHandler CreateHandler(CloudStackConnectionSettings settings)
        {
            var handler = new HttpClientHandler
            {
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = System.Net.DecompressionMethods.GZip | System.Net.DecompressionMethods.Deflate,
            };
            // Only when asked: a handler with a callback that accepts everything is a handler without TLS checks.
            if (settings.SkipCertificateCheck)
                handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
            return handler;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _http.Dispose();
            if (!ReferenceEquals(_changeHttp, _http)) _changeHttp.Dispose();
        }

        public override string ToString() => $"{Name} ({Endpoint})";
    }
}
