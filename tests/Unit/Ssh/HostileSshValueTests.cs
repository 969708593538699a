using System;
using System.Collections.Generic;
using System.Linq;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.Ssh
{
    /// <summary>
    /// Nothing that would change the ssh_config's structure or read as an option reaches a host, user, port or
    /// path, and the config writer refuses such values itself whatever its caller checked.
    /// </summary>
    public sealed class HostileSshValueTests
    {
        public static TheoryData<string> HostileHosts => new TheoryData<string>
        {
            "169.254.1.1\n  ProxyCommand touch /tmp/pwned", "169.254.1.1\r\nLocalCommand id", "-oProxyCommand=touch", "host name",
            "host#x", "h\"x", "h'x", "h\u001b[31m", "169.254.1.1 ", "", "a..b", "-host", "host_x", "1.2.3", "::1%eth0", "[::1]",
        };

        [Theory]
        [MemberData(nameof(HostileHosts))]
        public void A_hop_refuses_a_host_that_is_neither_an_ip_nor_a_strict_host_name(string host)
        {
            var e = Assert.Throws<ArgumentException>(() => new SshHop(host, 22, "root"));
            Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b", e.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("root\n  ProxyCommand x")]
        [InlineData("-lroot")]
        [InlineData("ro ot")]
        [InlineData("root#")]
        [InlineData("")]
        [InlineData("a\"b")]
        public void A_hop_refuses_a_user_that_is_not_a_plain_account_name(string user)
        {
            Assert.Throws<ArgumentException>(() => new SshHop("10.0.0.1", 22, user));
            Assert.Throws<ArgumentException>(() => new SshHop("10.0.0.1", 22, "root") with { User = user });
        }

        [Fact]
        public void A_hop_refuses_ports_and_key_paths_that_cannot_work_even_through_with()
        {
            Assert.Throws<ArgumentException>(() => new SshHop("10.0.0.1", 0, "root"));
            Assert.Throws<ArgumentException>(() => new SshHop("10.0.0.1", 65536, "root"));
            var hop = new SshHop("10.0.0.1", 22, "root");
            Assert.Throws<ArgumentException>(() => hop with { Host = "10.0.0.1\nProxyCommand x" });
            Assert.Throws<ArgumentException>(() => hop with { IdentityFile = "/k/id\"\n  ProxyCommand x" });
            Assert.Throws<ArgumentException>(() => hop with { IdentityFile = "/k/id#x" });
            Assert.Equal("/home/a user/id", (hop with { IdentityFile = "/home/a user/id" }).IdentityFile); // quoted in the file
        }

        [Theory]
        [InlineData("10.1.2.3")]
        [InlineData("fe80::1")]
        [InlineData("mgmt-1.example.com")]
        [InlineData("kvm01")]
        public void Plain_addresses_and_names_are_accepted(string host)
        {
            Assert.Equal(host, new SshHop(host, 22, "root").Host);
        }

        [Fact]
        public void The_config_writer_refuses_hostile_values_it_is_handed_directly()
        {
            var hop = new SshHop("10.0.0.1", 22, "root");
            string Write(SshRoute r) => SshConfigWriter.Write("svp1-x", r, "/tmp/c1");
            Opt(new KeyValuePair<string, string>("KexAlgorithms", "curve25519-sha256\n  ProxyCommand touch /tmp/x"));
            Opt(new KeyValuePair<string, string>("KexAlgorithms", "a#b"));
            Opt(new KeyValuePair<string, string>("KexAlgorithms", "\"a\""));
            Opt(new KeyValuePair<string, string>("ProxyCommand", "touch /tmp/x"));
            Opt(new KeyValuePair<string, string>("Kex\nProxyCommand", "x"));
            Assert.Throws<ArgumentException>(() => Write(new SshRoute(hop)) + SshConfigWriter.Write("svp1 x", new SshRoute(hop), null));
            Assert.Throws<ArgumentException>(() => SshConfigWriter.Write("svp1-x", new SshRoute(hop), "/tmp/c1\"\n  LocalCommand x"));
            Assert.Throws<ArgumentException>(() => new SshRoute(hop) { KnownHostsFile = "/k/kh\n  ProxyCommand x" });

            string ok = Write(new SshRoute(hop) { ExtraOptions = new[] { new KeyValuePair<string, string>("RekeyLimit", "1G 1h") } });
            Assert.Contains("  RekeyLimit 1G 1h\n", ok);

            void Opt(KeyValuePair<string, string> option) =>
                Assert.Throws<ArgumentException>(() => Write(new SshRoute(hop) { ExtraOptions = new[] { option } }));
        }

        [Theory]
        [InlineData("169.254.1.1\n  ProxyCommand touch /tmp/x", "linklocalip")]
        [InlineData("not-an-ip", "linklocalip")]
        [InlineData("-oProxyCommand=x", "linklocalip")]
        public void A_route_takes_only_ip_addresses_from_the_api(string value, string field)
        {
            var vm = new SystemVm { Name = "r-1-VM\u001b[2J", Hypervisor = "KVM", HostAddress = "198.18.1.2", LinkLocalIp = value };
            var e = Assert.Throws<SshRouteException>(() => SshRouteBuilder.Build(vm, new SshRouteOptions()));
            Assert.Contains(field, e.Message);
            Assert.Contains("not an IP address", e.Message);
            Assert.DoesNotContain("\u001b", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);

            var host = new SystemVm { Name = "r-1-VM", Hypervisor = "KVM", HostAddress = value, LinkLocalIp = "169.254.1.1" };
            Assert.Contains("hypervisor host ipaddress", Assert.Throws<SshRouteException>(() => SshRouteBuilder.Build(host, new SshRouteOptions())).Message);

            var vmware = new SystemVm { Name = "s-1-VM", Hypervisor = "VMware", PrivateIp = value };
            Assert.Contains("privateip", Assert.Throws<SshRouteException>(() => SshRouteBuilder.Build(vmware, new SshRouteOptions())).Message);
        }

        [Theory]
        [InlineData("bastion\n  ProxyCommand touch /tmp/x")]
        [InlineData("-oProxyCommand=touch")]
        [InlineData("ad min@bastion")]
        [InlineData("-l@bastion")]
        [InlineData("root@bastion#x")]
        public void A_hostile_jump_host_or_management_server_is_refused(string text)
        {
            var vm = new SystemVm { Name = "r-1-VM", Hypervisor = "KVM", HostAddress = "198.18.1.2", LinkLocalIp = "169.254.1.1" };
            var e = Assert.Throws<SshRouteException>(() => SshRouteBuilder.Build(vm, new SshRouteOptions { JumpHost = text }));
            Assert.Contains("jump host", e.Message);
            Assert.Equal(Engine.Errors.EngineOption.JumpHost, e.Remedy);
            Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
            // -FromManagementServer goes through the same parser.
            Assert.Throws<SshRouteException>(() => SshRouteBuilder.ParseHop(text, "root", 22));
        }

        [Theory]
        [InlineData("PKCS11Provider")]
        [InlineData("SecurityKeyProvider")]
        [InlineData("ForwardAgent")]
        [InlineData("LocalForward")]
        [InlineData("RemoteForward")]
        [InlineData("DynamicForward")]
        [InlineData("Tunnel")]
        [InlineData("SendEnv")]
        [InlineData("SetEnv")]
        [InlineData("ProxyCommand")]
        [InlineData("PermitLocalCommand")]
        [InlineData("VerifyHostKeyDNS")]
        [InlineData("UpdateHostKeys")]
        [InlineData("Include")]
        public void SshOption_is_an_allow_list_that_names_what_is_allowed(string key)
        {
            var e = Assert.Throws<SshOptionException>(() => SshOptions.Check(new[] { new KeyValuePair<string, string>(key, "yes") }));
            Assert.Contains("only options that tune the connection", e.Message);
            Assert.Contains("KexAlgorithms", e.Message);
            Assert.Contains("ServerAliveInterval", e.Message);
        }

        [Fact]
        public void SshOption_takes_connection_tuning_and_the_operators_value_wins_over_the_default()
        {
            var options = SshOptions.Check(new[]
            {
                new KeyValuePair<string, string>("kexalgorithms", "curve25519-sha256"),
                new KeyValuePair<string, string>("ServerAliveInterval", "30"),
                new KeyValuePair<string, string>("IPQoS", "af21  cs1"),
            });
            Assert.Equal(new[] { "IPQoS", "KexAlgorithms", "ServerAliveInterval" }, options.Select(o => o.Key));
            string config = SshConfigWriter.Write("svp1-x", new SshRoute(new SshHop("10.0.0.1", 22, "root")) { ExtraOptions = options }, null);
            // ssh takes the first value of a key: the operator's comes before SysVmPatch's default.
            Assert.True(config.IndexOf("ServerAliveInterval 30", StringComparison.Ordinal) < config.IndexOf("ServerAliveInterval 10", StringComparison.Ordinal));
            Assert.Contains("  IPQoS af21 cs1\n", config);
            var owned = Assert.Throws<SshOptionException>(() => SshOptions.Check(new[] { new KeyValuePair<string, string>("ConnectTimeout", "5") }));
            Assert.Contains("connect timeout setting", owned.Message);
            Assert.Equal(Engine.Errors.EngineOption.ConnectTimeout, owned.Remedy);
        }
    }
}
