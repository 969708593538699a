using System;
using SysVmPatch.Engine.CloudStack;
using SysVmPatch.Engine.Text;

namespace SysVmPatch.Tests.Text
{
    /// <summary>Text from VMs, ssh and the API cannot drive the operator's terminal once it passes the sanitizer.</summary>
    public sealed class ConsoleTextTests
    {
        [Theory]
        [InlineData("r-1-VM\u001b[2J\u001b[H", "r-1-VM")]                        // clear screen, cursor home
        [InlineData("\u001b]0;owned\u0007title", "title")]                          // OSC window title, BEL-ended
        [InlineData("\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\", "link")] // OSC 8 hyperlink, ST-ended
        [InlineData("a\u009b31mred", "ared")]                                       // C1 CSI
        [InlineData("\u001bPq#0;2;0;0;0\u001b\\sixel", "sixel")]                   // DCS
        [InlineData("line1\nline2\r\nfake: ok", "line1 line2  fake: ok")]           // no forged extra lines
        [InlineData("evil\u202egnp.exe", "evilgnp.exe")]                            // bidi override
        [InlineData("bell\u0007\u0008back\u007f", "bellback")]
        [InlineData("plain text, ünïcode ✓", "plain text, ünïcode ✓")]
        public void Escapes_and_control_characters_are_removed_whole(string hostile, string expected)
        {
            Assert.Equal(expected, ConsoleText.Sanitize(hostile));
        }

        [Fact]
        public void A_cut_is_marked_and_nothing_is_left_of_a_cut_sequence()
        {
            Assert.Equal("abc…", ConsoleText.Sanitize("abcdef", 3));
            Assert.Equal("x", ConsoleText.Sanitize("x\u001b[38;5;196"));
            Assert.Equal("", ConsoleText.Sanitize(null));
        }

        [Fact]
        public void Escape_shows_a_refused_value_without_letting_it_act()
        {
            Assert.Equal("1.2.3.4\\n  ProxyCommand x\\x1b[31m", ConsoleText.Escape("1.2.3.4\n  ProxyCommand x\u001b[31m"));
        }

        [Fact]
        public void SanitizeLines_keeps_the_line_breaks_of_a_VMs_output_and_nothing_that_acts_on_the_console()
        {
            string vm = "Filesystem Size\r\n\u001b]0;title\u0007/dev/vda6 \u001b[2J1.8G\u202e\n\tlast\n";
            Assert.Equal("Filesystem Size\n/dev/vda6 1.8G\n last", ConsoleText.SanitizeLines(vm));
            Assert.Equal("1\n2\n… 3 more lines", ConsoleText.SanitizeLines("1\n2\n3\n4\n5\n", 2));
            Assert.Equal("", ConsoleText.SanitizeLines(null));
        }

        [Fact]
        public void Messages_built_from_api_text_use_the_same_sanitizer()
        {
            string clean = CloudStackException.Clean("job failed: \u001b[31mhost on fire\u001b[0m\nsecond line");
            Assert.Equal("job failed: host on fire second line", clean);
            Assert.DoesNotContain("[31m", clean, StringComparison.Ordinal);
        }

        [Fact]
        public void A_plan_keeps_its_lines_and_loses_what_a_vm_name_smuggled_into_them()
        {
            string plan = "live-patch 2 VMs:\r\n  r-1-VM\u001b]0;owned\u0007 first\n  r-2-VM\u001b[2J\u202e";
            string clean = ConsoleText.SanitizeLines(plan);
            Assert.Equal("live-patch 2 VMs:\n  r-1-VM first\n  r-2-VM", clean);
        }
    }
}
