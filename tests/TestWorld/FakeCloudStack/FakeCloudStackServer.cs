using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// A CloudStack management server for tests: Kestrel on 127.0.0.1 (random port), the real wire format
    /// (signed requests verified as ApiServer does, response wrappers, error bodies, empty-list shape, paging,
    /// async jobs) over a <see cref="ResolvedLab"/>. State is mutable so tests can make the API disagree with
    /// the VMs, and a <see cref="FaultPlan"/> injects 5xx, slow answers and failed jobs.
    /// </summary>
    public sealed partial class FakeCloudStackServer : IAsyncDisposable
    {
        public const string JsonContentType = "application/json; charset=UTF-8";
        /// <summary>The account that owns the lab's routers; an admin's listRouters without listall=true does not see them.</summary>
        public const string RouterAccount = "tenant1";
        /// <summary>The account the API keys belong to.</summary>
        public const string CallerAccount = "admin";

        private readonly WebApplication _app;
        private readonly IVmPowerControl? _power;
        private readonly ISystemVmFiles? _files;
        private readonly object _lock = new object();
        private readonly List<string> _order = new List<string>();
        private readonly Dictionary<string, FakeVmRecord> _vms = new Dictionary<string, FakeVmRecord>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _hostAgentVersions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _hostStates = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> _hostAddresses = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly List<FakeApiCall> _calls = new List<FakeApiCall>();
        private readonly ConcurrentDictionary<string, FakeJob> _jobs = new ConcurrentDictionary<string, FakeJob>(StringComparer.OrdinalIgnoreCase);
        private readonly CancellationTokenSource _shutdown = new CancellationTokenSource();
        private readonly X509Certificate2? _certificate;
        private readonly DateTimeOffset _created = DateTimeOffset.UtcNow.AddDays(-30);

        private FakeCloudStackServer(ResolvedLab lab, IVmPowerControl? power, FakeCloudStackOptions options, WebApplication app, X509Certificate2? certificate)
        {
            Lab = lab;
            _power = power;
            _files = power as ISystemVmFiles;
            Options = options;
            _app = app;
            _certificate = certificate;
            ApiKey = options.ApiKey ?? RandomKey(64);
            SecretKey = options.SecretKey ?? RandomKey(64);
            ManagementVersion = options.ManagementVersion ?? lab.Spec.ManagementVersion;
            ManagementScriptsSignature = options.ManagementScriptsSignature ?? ResolvedLab.SignatureForRelease(ManagementVersion);
            MinimumTemplateVersion = options.MinimumSystemVmTemplateVersion ?? MajorMinorZero(ManagementVersion);
            foreach (var vm in lab.Vms)
            {
                _order.Add(vm.Name);
                _vms[vm.Name] = new FakeVmRecord(vm);
            }
            foreach (var host in lab.Hosts)
            {
                _hostAgentVersions[host.Name] = host.Spec.AgentVersion;
                _hostStates[host.Name] = "Up";
            }
        }

        public ResolvedLab Lab { get; }
        public FakeCloudStackOptions Options { get; }
        /// <summary>http(s)://127.0.0.1:&lt;port&gt;/client/api</summary>
        public Uri Endpoint { get; private set; } = null!;
        public string ApiKey { get; }
        /// <summary>The secret key a client signs with (random per server unless the options fix it).</summary>
        public string SecretKey { get; }
        public string Name => Options.Name;
        public string ManagementVersion { get; }
        /// <summary>MD5 of the management server's cloud-scripts.tgz (what a CloudStack-side patch records).</summary>
        public string ManagementScriptsSignature { get; }
        /// <summary>minreq.sysvmtemplate.version, which decides routers' requiresupgrade.</summary>
        public string MinimumTemplateVersion { get; }
        /// <summary>Faults to inject; change it while the server runs.</summary>
        public FaultPlan Faults { get; } = new FaultPlan();
        /// <summary>The certificate served over HTTPS (null over HTTP).</summary>
        public X509Certificate2? Certificate => _certificate;

        public static async Task<FakeCloudStackServer> StartAsync(ResolvedLab lab, IVmPowerControl? power = null, FakeCloudStackOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (lab is null) throw new ArgumentNullException(nameof(lab));
            options ??= new FakeCloudStackOptions();
            var certificate = options.UseHttps ? SelfSignedCertificate.Create() : null;

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(FakeCloudStackServer).Assembly.GetName().Name });
            builder.Logging.ClearProviders();
            // Signals belong to whoever hosts the fake (a test, or `lab up`, which tears the lab down in order):
            // ASP.NET's console lifetime must not act on SIGTERM/Ctrl+C on its own.
            builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, SignalFreeLifetime>();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate != null) listen.UseHttps(certificate);
            }));
            var app = builder.Build();
            var server = new FakeCloudStackServer(lab, power, options, app, certificate);
            app.Map("/client/api", server.HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            int port = new Uri(address).Port;
            server.Endpoint = new Uri($"{(certificate != null ? "https" : "http")}://127.0.0.1:{port}/client/api");
            return server;
        }

        /// <summary>Every request received so far, oldest first.</summary>
        public IReadOnlyList<FakeApiCall> Calls
        {
            get { lock (_calls) return _calls.ToArray(); }
        }

        public IReadOnlyList<FakeApiCall> CallsOf(string command) =>
            Calls.Where(c => string.Equals(c.Command, command, StringComparison.OrdinalIgnoreCase)).ToArray();

        public void ClearCalls()
        {
            lock (_calls) _calls.Clear();
        }

        // ---- what tests change -------------------------------------------------------------------------

        /// <summary>A copy of what the server believes about the VM (by lab name).</summary>
        public FakeVmRecord GetVm(string labName)
        {
            lock (_lock) return Find(labName);
        }

        public IReadOnlyList<FakeVmRecord> AllVms()
        {
            lock (_lock) return _order.Select(n => _vms[n]).ToArray();
        }

        /// <summary>Replaces a VM's record through <paramref name="change"/> (e.g. r =&gt; r with { State = "Stopped" }).</summary>
        public void UpdateVm(string labName, Func<FakeVmRecord, FakeVmRecord> change)
        {
            lock (_lock)
            {
                var current = Find(labName);
                _vms[current.Vm.Name] = change(current) with { Vm = current.Vm };
            }
        }

        /// <summary>What the API claims as the VM's scripts signature (router scriptsversion): a stale or fresh record.</summary>
        public void SetApiScriptsSignature(string labName, string md5) => UpdateVm(labName, r => r with { ScriptsSignature = md5 });
        /// <summary>The API reports the VM on another host, as after a live migration (the lab VM itself stays where it is).</summary>
        public void SetApiHost(string labName, string hostName) => UpdateVm(labName, r => r with { MovedTo = Lab.Host(hostName) });
        public void SetVmState(string labName, string state) => UpdateVm(labName, r => r with { State = state });
        public void SetTemplateVersion(string labName, string version) => UpdateVm(labName, r => r with { TemplateVersion = version });
        public void SetSoftwareVersion(string labName, string version) => UpdateVm(labName, r => r with { SoftwareVersion = version });
        /// <summary>The SSVM/CPVM agent version (its host record's version, shown by listSystemVms).</summary>
        public void SetAgentVersion(string labName, string version) => UpdateVm(labName, r => r with { AgentVersion = version });
        /// <summary>The name the API reports for the VM (tests make it hostile).</summary>
        public void SetApiName(string labName, string apiName) => UpdateVm(labName, r => r with { Name = apiName });

        /// <summary>The addresses (and hypervisor) the API reports for the VM; null keeps the lab's. Tests make them hostile.</summary>
        public void SetApiAddresses(string labName, string? linkLocalIp = null, string? privateIp = null, string? hypervisor = null) =>
            UpdateVm(labName, r => r with { ApiLinkLocalIp = linkLocalIp ?? r.ApiLinkLocalIp, ApiPrivateIp = privateIp ?? r.ApiPrivateIp, ApiHypervisor = hypervisor ?? r.ApiHypervisor });

        /// <summary>The ipaddress listHosts reports for a hypervisor host (tests make it hostile).</summary>
        public void SetHostAddress(string hostName, string address)
        {
            lock (_lock) { Lab.Host(hostName); _hostAddresses[hostName] = address; }
        }

        /// <summary>The agent version a hypervisor host reports (listHosts version).</summary>
        public void SetHostAgentVersion(string hostName, string version)
        {
            lock (_lock) { Lab.Host(hostName); _hostAgentVersions[hostName] = version; }
        }

        public void SetHostState(string hostName, string state)
        {
            lock (_lock) { Lab.Host(hostName); _hostStates[hostName] = state; }
        }

        private FakeVmRecord Find(string labName) =>
            _vms.TryGetValue(labName, out var r) ? r : throw new KeyNotFoundException($"No VM named '{labName}' in the lab.");

        // ---- the HTTP side ------------------------------------------------------------------------------

        private async Task HandleAsync(HttpContext context)
        {
            var parameters = new List<KeyValuePair<string, string>>();
            foreach (var q in context.Request.Query)
                parameters.Add(new KeyValuePair<string, string>(q.Key, q.Value.FirstOrDefault() ?? ""));
            string raw = context.Request.QueryString.HasValue ? context.Request.QueryString.Value!.TrimStart('?') : "";
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                foreach (var f in form)
                    if (!parameters.Any(p => p.Key == f.Key)) parameters.Add(new KeyValuePair<string, string>(f.Key, f.Value.FirstOrDefault() ?? ""));
                raw = string.Join("&", form.Select(f => f.Key + "=" + Uri.EscapeDataString(f.Value.FirstOrDefault() ?? "")));
            }
            string? command = parameters.FirstOrDefault(p => p.Key == "command").Value;

            var delay = Faults.TakeDelay(command);
            if (delay > TimeSpan.Zero)
            {
                try { await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false); }
                catch (OperationCanceledException) { Record(context, command, parameters, raw, 499); return; }
            }

            FakeAnswer answer;
            var injected = Faults.TakeHttpFault(command);
            if (injected is { AfterProcessing: true } && Authenticate(command, parameters) is null)
                Dispatch(command!, new FakeParams(parameters)); // CloudStack acts; the answer is lost on the way back
            if (injected?.Status == FaultPlan.DroppedStatus)
            {
                Record(context, command, parameters, raw, FaultPlan.DroppedStatus);
                await DropConnectionAsync(context).ConfigureAwait(false);
                return;
            }
            if (injected.HasValue)
                answer = injected.Value.Status == 530
                    ? FakeAnswer.Error(530, ResponseName(command), 530, 9999, "Injected internal error")
                    : new FakeAnswer(injected.Value.Status, $"<html><body><h1>{injected.Value.Status} injected fault</h1></body></html>");
            else
                answer = Authenticate(command, parameters) ?? Dispatch(command!, new FakeParams(parameters));

            Record(context, command, parameters, raw, answer.Status);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.Body.StartsWith("<", StringComparison.Ordinal) ? "text/html" : JsonContentType;
            await context.Response.WriteAsync(answer.Body, Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        }

        /// <summary>
        /// Closes the connection without a byte of answer, the way a server that timed out a kept-alive connection
        /// does: an orderly close (FIN) the client reads as end of stream, not a reset. That is the case HTTP stacks
        /// answer by sending the request again on a new connection.
        /// </summary>
        private static async Task DropConnectionAsync(HttpContext context)
        {
            var socket = context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket;
            try { socket?.Shutdown(System.Net.Sockets.SocketShutdown.Send); }
            catch (Exception e) when (e is System.Net.Sockets.SocketException || e is ObjectDisposedException) { }
            // Give the client time to read the end of stream before Kestrel tears the connection down.
            try { await Task.Delay(200, context.RequestAborted).ConfigureAwait(false); } catch (OperationCanceledException) { }
            context.Abort();
        }

        private void Record(HttpContext context, string? command, List<KeyValuePair<string, string>> parameters, string raw, int status)
        {
            var logged = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in parameters)
                if (!p.Key.Equals("signature", StringComparison.OrdinalIgnoreCase)) logged[p.Key] = p.Value;
            lock (_calls) _calls.Add(new FakeApiCall(DateTimeOffset.UtcNow, context.Request.Method, command, logged, raw, status));
        }

        /// <summary>Null when the request may proceed; else CloudStack's answer for why not.</summary>
        private FakeAnswer? Authenticate(string? command, List<KeyValuePair<string, string>> parameters)
        {
            const string Refused = "unable to verify user credentials and/or request signature";
            // ApiServer.verifyRequest refuses unknown commands the same way as bad signatures, with "errorresponse".
            if (command is null || !Commands.ContainsKey(command))
                return FakeAnswer.Error(401, "errorresponse", 401, null, Refused);
            if (FakeSignatureCheck.Verify(parameters, ApiKey, SecretKey, Options.EnforceTimestamps, DateTimeOffset.UtcNow) != null)
                return FakeAnswer.Error(401, ResponseName(command), 401, null, Refused);
            if (Options.UnavailableCommands.Contains(command, StringComparer.OrdinalIgnoreCase))
                return FakeAnswer.Error(432, "errorresponse", 432, 9999,
                    $"The API [{command}] does not exist or is not available for the account Account [{{\"accountName\":\"{CallerAccount}\"}}].");
            return null;
        }

        private static string ResponseName(string? command) => command is null ? "errorresponse" : command.ToLowerInvariant() + "response";

        private FakeAnswer Dispatch(string command, FakeParams p)
        {
            try
            {
                return Commands[command](this, p);
            }
            catch (FakeApiError e)
            {
                return FakeAnswer.Error(e.Status, ResponseName(command), e.Status, e.CsErrorCode, e.Message);
            }
        }

        private static string RandomKey(int length)
        {
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            var bytes = RandomNumberGenerator.GetBytes(length);
            var sb = new StringBuilder(length);
            foreach (var b in bytes) sb.Append(alphabet[b % alphabet.Length]);
            return sb.ToString();
        }

        private static string MajorMinorZero(string version)
        {
            var parts = version.Split('.');
            return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}.0" : version;
        }

        internal string Timestamp(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+0000";

        public async ValueTask DisposeAsync()
        {
            _shutdown.Cancel();
            using var stopWithin = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await _app.StopAsync(stopWithin.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            await _app.DisposeAsync().ConfigureAwait(false);
            _certificate?.Dispose();
            _shutdown.Dispose();
        }
    }

    /// <summary>An API error a command handler raises: CloudStack's errorcode (= HTTP status) and cserrorcode.</summary>
    internal sealed class FakeApiError : Exception
    {
        public FakeApiError(int status, int? csErrorCode, string message) : base(message)
        {
            Status = status;
            CsErrorCode = csErrorCode;
        }

        public int Status { get; }
        public int? CsErrorCode { get; }

        /// <summary>InvalidParameterValueException: 431, cserrorcode 4350.</summary>
        public static FakeApiError InvalidParameter(string message) => new FakeApiError(431, 4350, message);
    }

    /// <summary>Request parameters looked up by name case-insensitively, first value wins (as the servlet does).</summary>
    internal sealed class FakeParams
    {
        private readonly Dictionary<string, string> _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public FakeParams(IEnumerable<KeyValuePair<string, string>> parameters)
        {
            foreach (var p in parameters)
                if (!_values.ContainsKey(p.Key)) _values[p.Key] = p.Value;
        }

        public string? this[string name] => _values.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

        public bool Flag(string name) => string.Equals(this[name], "true", StringComparison.OrdinalIgnoreCase);

        public int? Int(string name)
        {
            string? v = this[name];
            if (v is null) return null;
            if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
                throw FakeApiError.InvalidParameter($"Unable to execute API command due to invalid value. Invalid parameter {name} value={v} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.");
            return n;
        }
    }

    /// <summary>A host lifetime that starts and stops when told to and ignores process signals.</summary>
    internal sealed class SignalFreeLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
