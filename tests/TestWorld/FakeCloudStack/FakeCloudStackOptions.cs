using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.TestWorld.Topology;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>How a <see cref="FakeCloudStackServer"/> behaves; the defaults are a healthy CloudStack over HTTP.</summary>
    public sealed class FakeCloudStackOptions
    {
        /// <summary>Serve HTTPS with a self-signed certificate made at start (clients must trust it or skip the check).</summary>
        public bool UseHttps { get; init; }
        /// <summary>Fixed keys instead of random ones (random per server when null).</summary>
        public string? ApiKey { get; init; }
        public string? SecretKey { get; init; }
        /// <summary>The connection name tests give the client; defaults to "fake-cloudstack".</summary>
        public string Name { get; init; } = "fake-cloudstack";
        /// <summary>Overrides lab.Spec.ManagementVersion (listCapabilities cloudstackversion).</summary>
        public string? ManagementVersion { get; init; }
        /// <summary>MD5 of the management server's cloud-scripts.tgz; what a CloudStack patch records as scriptsversion.</summary>
        public string? ManagementScriptsSignature { get; init; }
        /// <summary>Global setting minreq.sysvmtemplate.version; defaults to major.minor.0 of the management version.</summary>
        public string? MinimumSystemVmTemplateVersion { get; init; }
        /// <summary>
        /// Global setting router.version.check: a router below minreq.sysvmtemplate.version whose recorded scripts
        /// signature is not the management server's refuses commands ("Router requires upgrade"). CloudStack's default
        /// is on; the fake's is off so tests that are not about it keep working with old-template routers.
        /// </summary>
        public bool RouterVersionCheck { get; init; }
        /// <summary>CloudStack's default.page.size: larger page sizes are refused with 431 as CloudStack does.</summary>
        public int MaxPageSize { get; init; } = 500;
        /// <summary>How long async jobs stay pending (jobstatus 0) before they end.</summary>
        public TimeSpan JobPendingTime { get; init; } = TimeSpan.FromMilliseconds(200);
        /// <summary>Commands the key's role may not call: answered 432 as CloudStack's role checker does.</summary>
        public IReadOnlyCollection<string> UnavailableCommands { get; init; } = Array.Empty<string>();
        /// <summary>enforce.post.requests.and.timestamps: require signatureversion 3 and an expires within 15 minutes.</summary>
        public bool EnforceTimestamps { get; init; }
        /// <summary>
        /// Called for patchSystemVm and restartNetwork/restartVPC with livepatch=true, so the API path can patch the
        /// real lab VM; a throw fails the job with its message.
        /// </summary>
        public Func<LabVm, CancellationToken, Task>? LivePatcher { get; init; }
    }
}
