using System;
using SysVmPatch.Engine.Text;
using SysVmPatch.Engine.History;

namespace SysVmPatch.Tests.Text
{
    public sealed class WildcardMatcherTests
    {
        [Theory]
        [InlineData("r-1*", "r-102-VM", true)]
        [InlineData("r-1*", "R-102-vm", true)]
        [InlineData("r-1*", "s-1-VM", false)]
        [InlineData("*-VM", "v-2-VM", true)]
        [InlineData("*-VM", "v-2-VMx", false)]
        [InlineData("r-?-VM", "r-7-VM", true)]
        [InlineData("r-?-VM", "r-17-VM", false)]
        [InlineData("[rs]-1-VM", "s-1-VM", true)]
        [InlineData("[rs]-1-VM", "v-1-VM", false)]
        [InlineData("r-[0-4]*", "r-3-VM", true)]
        [InlineData("r-[0-4]*", "r-5-VM", false)]
        [InlineData("*a*b*c", "xxaybzzc", true)]
        [InlineData("*a*b*c", "xxaybzzcd", false)]
        [InlineData("a`*b", "a*b", true)]
        [InlineData("a`*b", "axb", false)]
        [InlineData("**", "", true)]
        [InlineData("", "", true)]
        [InlineData("", "x", false)]
        [InlineData("r-102-VM", "r-102-vm", true)]
        public void MatchesLikePowerShell(string pattern, string text, bool expected) =>
            Assert.Equal(expected, new WildcardMatcher(pattern).IsMatch(text));

        [Fact]
        public void AnUnclosedSetIsRefused() =>
            Assert.Throws<ArgumentException>(() => new WildcardMatcher("r-[12"));
    }
}
