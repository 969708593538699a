using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Cmdlets.Infrastructure
{
    /// <summary>
    /// The parameters of every cmdlet that reaches VMs over SSH (OpenSSH: jump through the hypervisor host,
    /// strict host keys, batch mode). Paths are PowerShell paths, resolved against the current location.
    /// </summary>
    public abstract class SshCmdlet : SysVmPatchCmdlet
    {
        /// <summary>The private key for the VMs (on KVM the host's /root/.ssh/id_rsa.cloud) and, unless -JumpKeyFile, the hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyFile { get; set; }

        /// <summary>The private key for the jump (hypervisor) hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JumpKeyFile { get; set; }

        /// <summary>The known_hosts file holding the hosts' and VMs' keys; default: OpenSSH's own.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        /// <summary>One jump host for every VM ("host", "user@host" or "user@host:port") instead of each VM's hypervisor host.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JumpHost { get; set; }

        /// <summary>The user on the hypervisor hosts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string JumpUser { get; set; } = "root";

        /// <summary>Seconds to wait for each SSH connection.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int ConnectTimeoutSec { get; set; } = 15;

        /// <summary>
        /// Extra ssh_config options for every hop, like New-PSSession -Options: @{ KexAlgorithms = 'curve25519-sha256' }.
        /// Options SysVmPatch sets itself, and ones that would run commands, are refused.
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        public Hashtable? SshOption { get; set; }

        /// <summary>SshNet (default): in-process, one connection per hypervisor host. OpenSsh: the ssh command (agent keys, ssh_config).</summary>
        [Parameter]
        public SshTransport Transport { get; set; } = SshTransport.SshNet;

        /// <summary>Passphrase of an encrypted -KeyFile (SshNet transport; OpenSSH asks its agent instead).</summary>
        [Parameter]
        [ValidateNotNull]
        public System.Security.SecureString? KeyPassphrase { get; set; }

        /// <summary>The run's SSH client on the chosen transport.</summary>
        internal ISshClient NewSshClient(int parallelism = 16) =>
            // No warning callback: the cmdlets never turn strict host key checking off, so nothing is ever accepted unseen.
            SshTransports.Create(Transport, KeyPassphrase, parallelism);

        private IReadOnlyList<KeyValuePair<string, string>> _sshOptions = Array.Empty<KeyValuePair<string, string>>();

        // Checked once, before any input is read: a bad option stops the command before anything is contacted.
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (SshOption == null) return;
            try
            {
                _sshOptions = SshOptions.Check(SshOption.Cast<DictionaryEntry>()
                    .Select(e => new KeyValuePair<string, string>(Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        OptionValue(e.Value))));
            }
            catch (ArgumentException ex) { Fail(ex, "InvalidSshOption", ErrorCategory.InvalidArgument, SshOption); }
        }

        // A list (KexAlgorithms = 'a', 'b') becomes ssh_config's comma-separated list.
        private static string OptionValue(object? value)
        {
            object? v = value is PSObject pso ? pso.BaseObject : value;
            if (v is IEnumerable list && !(v is string))
                return string.Join(",", list.Cast<object?>().Select(x => LanguagePrimitives.ConvertTo<string>(x)));
            return LanguagePrimitives.ConvertTo<string>(v) ?? "";
        }

        internal SshRouteOptions RouteOptions() => new SshRouteOptions
        {
            ExtraOptions = _sshOptions,
            IdentityFile = ResolvePath(KeyFile),
            JumpIdentityFile = ResolvePath(JumpKeyFile),
            KnownHostsFile = ResolvePath(KnownHostsFile),
            JumpHost = JumpHost,
            JumpUser = JumpUser,
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSec),
        };

        private string? ResolvePath(string? path) => path is null ? null : GetUnresolvedProviderPathFromPSPath(path);
    }
}
