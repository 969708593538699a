using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.Ssh
{
    /// <summary>
    /// A real sshd on 127.0.0.1 at a free port with a throwaway host key and client key, for transport tests
    /// that need no namespaces. The route can jump through the same sshd to exercise ProxyJump.
    /// </summary>
    public sealed class LocalSshd : IDisposable
    {
        private readonly Process _sshd;
        public string Directory { get; }
        public int Port { get; }
        public string ClientKey { get; }
        public string KnownHosts { get; }
        public string OtherKey { get; }

        public LocalSshd()
        {
            Directory = Path.Combine(Path.GetTempPath(), "svp-sshd-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            System.IO.Directory.CreateDirectory(Directory);
            string hostKey = Path.Combine(Directory, "host_ed25519");
            ClientKey = Path.Combine(Directory, "client_ed25519");
            OtherKey = Path.Combine(Directory, "other_ed25519");
            KeyGen(hostKey);
            KeyGen(ClientKey);
            KeyGen(OtherKey);
            File.Copy(ClientKey + ".pub", Path.Combine(Directory, "authorized_keys"));
            Port = FreePort();
            string user = Environment.UserName;
            string config = Path.Combine(Directory, "sshd_config");
            File.WriteAllText(config, string.Join("\n",
                "ListenAddress 127.0.0.1",
                "Port " + Port,
                "HostKey " + hostKey,
                "AuthorizedKeysFile " + Path.Combine(Directory, "authorized_keys"),
                "PidFile " + Path.Combine(Directory, "sshd.pid"),
                "StrictModes no",
                "UsePAM no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowTcpForwarding yes",
                "MaxSessions 50",
                "MaxStartups 50",
                "AllowUsers " + user,
                "") + "\n");
            KnownHosts = Path.Combine(Directory, "known_hosts");
            File.WriteAllText(KnownHosts, $"[127.0.0.1]:{Port} {File.ReadAllText(hostKey + ".pub").Trim()}\n");
            System.IO.Directory.CreateDirectory("/run/sshd");
            _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", $"-D -e -f {config}") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
            _sshd.BeginErrorReadLine();
            _sshd.BeginOutputReadLine();
            WaitForPort();
        }

        public string User => Environment.UserName;

        /// <summary>Route to this sshd, optionally jumping through it first.</summary>
        public SshRoute Route(bool viaJump = false, string? key = null, string? knownHosts = null, int? port = null, int? jumpPort = null) =>
            new SshRoute(new SshHop("127.0.0.1", port ?? Port, User) { IdentityFile = key ?? ClientKey })
            {
                Jumps = viaJump ? new[] { new SshHop("127.0.0.1", jumpPort ?? Port, User) { IdentityFile = key ?? ClientKey } } : Array.Empty<SshHop>(),
                KnownHostsFile = knownHosts ?? KnownHosts,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            };

        private static void KeyGen(string path)
        {
            using var p = Process.Start(new ProcessStartInfo("ssh-keygen", $"-q -t ed25519 -N \"\" -f {path}") { UseShellExecute = false, RedirectStandardOutput = true })!;
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("ssh-keygen failed");
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        private void WaitForPort()
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                if (_sshd.HasExited) throw new InvalidOperationException("sshd exited at start (exit " + _sshd.ExitCode + ")");
                try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, Port); return; }
                catch (SocketException) { Thread.Sleep(50); }
            }
            throw new TimeoutException("sshd did not listen");
        }

        public void Dispose()
        {
            try { _sshd.Kill(); _sshd.WaitForExit(2000); } catch (InvalidOperationException) { }
            _sshd.Dispose();
            try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
        }
    }

    /// <summary>A fact needing a local sshd and ssh-keygen; skipped with the reason elsewhere.</summary>
    public sealed class SshdFactAttribute : FactAttribute
    {
        public SshdFactAttribute()
        {
            if (!OperatingSystem.IsLinux()) Skip = "needs Linux with OpenSSH server";
            else if (!File.Exists("/usr/sbin/sshd")) Skip = "needs /usr/sbin/sshd (apt-get install openssh-server)";
            else if (!File.Exists("/usr/bin/ssh-keygen") || !File.Exists("/usr/bin/ssh")) Skip = "needs the OpenSSH client (ssh, ssh-keygen)";
        }
    }
}
