using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Completion;

namespace SysVmPatch.Tests.Completion
{
    public class TimeBoxedCacheTests
    {
        private DateTimeOffset _now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private int _fetches;

        private TimeBoxedCache Cache(TimeSpan budget) => new TimeBoxedCache(TimeSpan.FromSeconds(60), budget, () => _now);

        private Func<CancellationToken, Task<IReadOnlyList<string>>> Returns(params string[] values) => _ =>
        {
            Interlocked.Increment(ref _fetches);
            return Task.FromResult<IReadOnlyList<string>>(values);
        };

        [Fact]
        public void Fresh_values_are_served_without_asking_again_and_stale_ones_are_refetched()
        {
            var cache = Cache(TimeSpan.FromSeconds(30));
            Assert.Equal(new[] { "zone1" }, cache.Get("zones", Returns("zone1")));
            _now += TimeSpan.FromSeconds(59);
            Assert.Equal(new[] { "zone1" }, cache.Get("zones", Returns("zone2")));
            Assert.Equal(1, _fetches);
            _now += TimeSpan.FromSeconds(2);
            Assert.Equal(new[] { "zone2" }, cache.Get("zones", Returns("zone2")));
            Assert.Equal(2, _fetches);
        }

        [Fact]
        public async Task A_hung_fetch_is_not_waited_for_and_its_late_answer_serves_the_next_call()
        {
            var cache = Cache(TimeSpan.FromMilliseconds(50));
            var answer = new TaskCompletionSource<IReadOnlyList<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
            int started = 0;
            Func<CancellationToken, Task<IReadOnlyList<string>>> hung = _ => { Interlocked.Increment(ref started); return answer.Task; };

            Assert.Empty(cache.Get("vms", hung));   // returned although the fetch never answered
            Assert.Empty(cache.Get("vms", hung));   // joins the same fetch, does not start another
            Assert.Equal(1, started);
            answer.SetResult(new[] { "r-1-VM" });
            for (int i = 0; i < 200 && cache.Get("vms", hung).Count == 0; i++) await Task.Delay(10);
            Assert.Equal(new[] { "r-1-VM" }, cache.Get("vms", hung));
            Assert.Equal(1, started);
        }

        [Fact]
        public void A_failed_fetch_keeps_the_old_values_and_is_tried_again()
        {
            var cache = Cache(TimeSpan.FromSeconds(30));
            cache.Get("hosts", Returns("kvm-01"));
            _now += TimeSpan.FromMinutes(5);
            Func<CancellationToken, Task<IReadOnlyList<string>>> failing = _ => { Interlocked.Increment(ref _fetches); throw new InvalidOperationException("503"); };
            Assert.Equal(new[] { "kvm-01" }, cache.Get("hosts", failing));
            Assert.Equal(new[] { "kvm-02" }, cache.Get("hosts", Returns("kvm-02")));
            Assert.Equal(3, _fetches);
        }

        [Fact]
        public void Keys_are_separate()
        {
            var cache = Cache(TimeSpan.FromSeconds(30));
            cache.Get("a", Returns("1"));
            Assert.Equal(new[] { "2" }, cache.Get("b", Returns("2")));
        }
    }
}
