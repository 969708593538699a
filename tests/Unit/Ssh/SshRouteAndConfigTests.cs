using System.Linq;
using System.Collections.Generic;
using System;
using SysVmPatch.Engine.Inventory;
using SysVmPatch.Engine.Ssh;

namespace SysVmPatch.Tests.Ssh
{
    public sealed class SshRouteAndConfigTests
    {
        private static SystemVm Kvm(string hypervisor = "KVM") => new SystemVm
        {
            Name = "r-12-VM", Type = SystemVmType.Router, Hypervisor = hypervisor,
            HostAddress = "198.18.1.2", LinkLocalIp = "169.254.3.4", PrivateIp = "10.1.1.5",
        };

        [Fact]
        public void Kvm_and_xen_vms_jump_through_their_host_to_the_link_local_ip()
        {
            foreach (var hv in new[] { "KVM", "XenServer" })
            {
                var route = SshRouteBuilder.Build(Kvm(hv), new SshRouteOptions { IdentityFile = "/k/id" });
                Assert.Equal("169.254.3.4", route.Target.Host);
                Assert.Equal(3922, route.Target.Port);
                Assert.Equal("root", route.Target.User);
                var jump = Assert.Single(route.Jumps);
                Assert.Equal("198.18.1.2", jump.Host);
                Assert.Equal(22, jump.Port);
                Assert.Equal("/k/id", jump.IdentityFile);
                Assert.True(route.StrictHostKeyChecking);
            }
        }

        [Fact]
        public void Vmware_vms_are_reached_directly_on_the_private_ip()
        {
            var route = SshRouteBuilder.Build(Kvm("VMware"), new SshRouteOptions());
            Assert.Equal("10.1.1.5", route.Target.Host);
            Assert.Empty(route.Jumps);
        }

        [Fact]
        public void Run_overrides_replace_the_jump_host_and_keys()
        {
            var route = SshRouteBuilder.Build(Kvm(), new SshRouteOptions { JumpHost = "admin@bastion:2222", JumpIdentityFile = "/k/jump", IdentityFile = "/k/vm", KnownHostsFile = "/k/kh" });
            var jump = Assert.Single(route.Jumps);
            Assert.Equal(("admin", "bastion", 2222, "/k/jump"), (jump.User, jump.Host, jump.Port, jump.IdentityFile));
            Assert.Equal("/k/vm", route.Target.IdentityFile);
            Assert.Equal("/k/kh", route.KnownHostsFile);
        }

        [Fact]
        public void A_kvm_vm_without_a_known_host_cannot_be_routed_and_says_so()
        {
            var vm = new SystemVm { Name = "s-1-VM", Hypervisor = "KVM", LinkLocalIp = "169.254.1.1" };
            var ex = Assert.Throws<SshRouteException>(() => SshRouteBuilder.Build(vm, new SshRouteOptions()));
            Assert.Contains("s-1-VM", ex.Message);
            Assert.Contains("jump host", ex.Message);
            Assert.Equal(Engine.Errors.EngineOption.JumpHost, ex.Remedy);
        }

        [Fact]
        public void The_config_gives_each_hop_its_own_block_and_shares_only_the_vm_connection()
        {
            var route = SshRouteBuilder.Build(Kvm(), new SshRouteOptions { IdentityFile = "/k/id", KnownHostsFile = "/k/known hosts" });
            string text = SshConfigWriter.Write("svp1-r-12-VM", route, "/tmp/svp-x/c1");
            string[] blocks = text.Split("\nHost ");
            Assert.Equal(3, blocks.Length);
            string jump = blocks[1], vm = blocks[2];
            Assert.StartsWith("svp1-r-12-VM-jump0\n", jump);
            Assert.Contains("HostName 198.18.1.2", jump);
            Assert.Contains("ControlMaster no", jump);
            Assert.StartsWith("svp1-r-12-VM\n", vm);
            Assert.Contains("ProxyJump svp1-r-12-VM-jump0", vm);
            Assert.Contains("Port 3922", vm);
            Assert.Contains("ControlMaster auto", vm);
            Assert.Contains("ControlPath \"/tmp/svp-x/c1\"", vm);
            Assert.Contains("UserKnownHostsFile \"/k/known hosts\"", vm);
            foreach (var block in new[] { jump, vm })
            {
                Assert.Contains("StrictHostKeyChecking yes", block);
                Assert.Contains("BatchMode yes", block);
                Assert.Contains("IdentitiesOnly yes", block);
            }
        }

        [Fact]
        public void Without_sharing_the_config_turns_control_sockets_off()
        {
            var route = SshRouteBuilder.Build(Kvm(), new SshRouteOptions());
            string text = SshConfigWriter.Write("a", route, controlPath: null);
            Assert.DoesNotContain("ControlMaster auto", text);
            Assert.Contains("ControlPath none", text);
        }

        [Theory]
        [InlineData("Host key verification failed.", SshErrorKind.HostKeyVerificationFailed)]
        [InlineData("root@169.254.0.5: Permission denied (publickey).", SshErrorKind.AuthenticationFailed)]
        [InlineData("ssh: connect to host 169.254.0.5 port 3922: Connection refused", SshErrorKind.ConnectionRefused)]
        [InlineData("client_loop: send disconnect: Broken pipe", SshErrorKind.ConnectionLost)]
        public void Ssh_messages_map_to_kinds(string stderr, SshErrorKind kind)
        {
            var route = new SshRoute(new SshHop("169.254.0.5", 3922, "root"));
            Assert.Equal(kind, SshErrorClassifier.Classify(route, "vm", stderr).Kind);
        }

        [Fact]
        public void A_failure_naming_the_jump_host_is_the_jump_hosts_failure()
        {
            var route = SshRouteBuilder.Build(Kvm(), new SshRouteOptions());
            var ex = SshErrorClassifier.Classify(route, "r-12-VM", "ssh: connect to host 198.18.1.2 port 22: No route to host\nConnection closed by UNKNOWN port 65535");
            Assert.Equal(SshErrorKind.JumpHostFailed, ex.Kind);
            Assert.Contains("198.18.1.2", ex.Message);
        }

        [Fact]
        public void Extra_ssh_options_go_into_every_hop_before_what_SysVmPatch_sets_so_that_the_operators_value_wins()
        {
            var options = SshOptions.Check(new Dictionary<string, string> { ["KexAlgorithms"] = "curve25519-sha256", ["Ciphers"] = " aes128-gcm@openssh.com " });
            var route = SshRouteBuilder.Build(Kvm(), new SshRouteOptions { ExtraOptions = options });
            string config = SshConfigWriter.Write("svp1-r", route, "/tmp/c1");

            var blocks = config.Split(new[] { "Host " }, StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            Assert.Equal(2, blocks.Count); // the jump hop and the VM
            Assert.All(blocks, b =>
            {
                Assert.Contains("  KexAlgorithms curve25519-sha256\n", b);
                Assert.Contains("  Ciphers aes128-gcm@openssh.com\n", b);
                Assert.True(b.IndexOf("KexAlgorithms", StringComparison.Ordinal) < b.IndexOf("BatchMode", StringComparison.Ordinal));
            });
        }

        [Theory]
        [InlineData("BatchMode", "no", "sets it itself")]
        [InlineData("stricthostkeychecking", "no", "sets it itself")]
        [InlineData("ProxyCommand", "nc %h %p", "only options that tune the connection")]
        [InlineData("LocalCommand", "touch /tmp/x", "only options that tune the connection")]
        [InlineData("Match", "all", "only options that tune the connection")]
        [InlineData("Kex Algorithms", "x", "only options that tune the connection")]
        [InlineData("KexAlgorithms", "a\nHost *", "one line")]
        [InlineData("KexAlgorithms", "", "one line")]
        public void Ssh_options_that_would_change_how_SysVmPatch_connects_are_refused_by_name(string key, string value, string why)
        {
            var ex = Assert.Throws<SshOptionException>(() => SshOptions.Check(new Dictionary<string, string> { [key] = value }));
            Assert.Contains(why, ex.Message);
            if (key.Trim().Length > 0 && !key.Contains(' ')) Assert.Contains(key, ex.Message);
        }

        [Fact]
        public void An_ssh_option_given_twice_in_different_case_is_refused()
        {
            var ex = Assert.Throws<SshOptionException>(() => SshOptions.Check(new[]
            {
                new KeyValuePair<string, string>("Ciphers", "aes128-ctr"), new KeyValuePair<string, string>("ciphers", "aes256-ctr"),
            }));
            Assert.Contains("twice", ex.Message);
        }
    }
}
