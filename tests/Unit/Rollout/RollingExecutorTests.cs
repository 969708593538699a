using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Rollout;

namespace SysVmPatch.Tests.Rollout
{
    public sealed class RollingExecutorTests
    {
        private sealed record Outcome(string Name, int Batch, bool Failed, string? NotStartedReason);

        private static RolloutItem<string> Item(string name, string? group = null, int order = 0) => new(name, name) { GroupKey = group, OrderInGroup = order };

        private static RollingExecutor<string, Outcome> Executor(Func<string, int, CancellationToken, Task<Outcome>> work) =>
            new(work, r => r.Failed, (name, batch, why) => new Outcome(name, batch, false, why));

        [Fact]
        public void Batches_fill_in_order_and_a_redundant_pair_is_split_backup_first()
        {
            var items = new[] { Item("a"), Item("primary", "pair", 1), Item("b"), Item("backup", "pair", 0), Item("c"), Item("d") };
            var batches = BatchPlanner.Plan(items, 3);
            var names = batches.Select(b => b.Select(i => i.Name).ToArray()).ToArray();
            int backupBatch = Array.FindIndex(names, b => b.Contains("backup"));
            int primaryBatch = Array.FindIndex(names, b => b.Contains("primary"));
            Assert.True(backupBatch < primaryBatch, string.Join(" | ", names.Select(n => string.Join(",", n))));
            Assert.All(batches, b => Assert.InRange(b.Count, 1, 3));
            Assert.Equal(6, batches.Sum(b => b.Count));
            Assert.Equal(2, batches.Count);
        }

        [Fact]
        public void A_batch_size_of_one_keeps_the_pair_in_its_order()
        {
            var batches = BatchPlanner.Plan(new[] { Item("p", "g", 1), Item("b", "g", 0) }, 1);
            Assert.Equal(new[] { "b", "p" }, batches.Select(x => x.Single().Name));
        }

        [Fact]
        public async Task Batches_run_one_after_another_and_the_throttle_bounds_concurrency()
        {
            int running = 0, peak = 0;
            var finishedBatches = new ConcurrentDictionary<int, int>();
            var startedWhileEarlierBatchRunning = false;
            var exec = Executor(async (name, batch, ct) =>
            {
                int now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                if (batch > 1 && finishedBatches.GetValueOrDefault(batch - 1) < 4) startedWhileEarlierBatchRunning = true;
                await Task.Delay(20);
                Interlocked.Decrement(ref running);
                finishedBatches.AddOrUpdate(batch, 1, (_, v) => v + 1);
                return new Outcome(name, batch, false, null);
            });
            var items = Enumerable.Range(1, 10).Select(i => Item("vm" + i)).ToList();
            var events = new ConcurrentQueue<RolloutEvent>();
            var results = await exec.RunAsync(items, new RolloutOptions { BatchSize = 4, ThrottleLimit = 2 }, events.Enqueue, null, CancellationToken.None);

            Assert.Equal(10, results.Count);
            Assert.Equal(new[] { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3 }, results.Select(r => r.Batch).OrderBy(b => b));
            Assert.InRange(peak, 1, 2);
            Assert.False(startedWhileEarlierBatchRunning);
            Assert.Equal(3, events.Count(e => e.Kind == RolloutEventKind.BatchStarted));
            Assert.Equal(10, events.Last(e => e.Kind == RolloutEventKind.ItemCompleted).Completed);
        }

        [Fact]
        public async Task More_failures_than_MaxFailures_stop_before_the_next_batch()
        {
            var exec = Executor((name, batch, ct) => Task.FromResult(new Outcome(name, batch, name is "vm1" or "vm2", null)));
            var items = Enumerable.Range(1, 6).Select(i => Item("vm" + i)).ToList();
            var events = new List<RolloutEvent>();
            var results = await exec.RunAsync(items, new RolloutOptions { BatchSize = 2, MaxFailures = 1 }, events.Add, null, CancellationToken.None);

            Assert.Equal(6, results.Count);
            Assert.All(results.Where(r => r.Batch > 1), r => Assert.StartsWith("not started", r.NotStartedReason));
            Assert.Contains(events, e => e.Kind == RolloutEventKind.Stopped && e.Message!.Contains("MaxFailures"));
        }

        [Fact]
        public async Task Failures_within_MaxFailures_let_the_rollout_go_on()
        {
            var exec = Executor((name, batch, ct) => Task.FromResult(new Outcome(name, batch, name == "vm1", null)));
            var results = await exec.RunAsync(Enumerable.Range(1, 4).Select(i => Item("vm" + i)).ToList(), new RolloutOptions { BatchSize = 1, MaxFailures = 1 }, null, null, CancellationToken.None);
            Assert.All(results, r => Assert.Null(r.NotStartedReason));
        }

        [Fact]
        public async Task After_cancellation_nothing_new_starts_and_running_items_finish()
        {
            using var cts = new CancellationTokenSource();
            var started = new ConcurrentBag<string>();
            var exec = Executor(async (name, batch, ct) =>
            {
                started.Add(name);
                if (name == "vm1") cts.Cancel();
                await Task.Delay(50, CancellationToken.None); // in-flight work finishes on its own terms
                return new Outcome(name, batch, false, null);
            });
            var items = Enumerable.Range(1, 6).Select(i => Item("vm" + i)).ToList();
            var results = await exec.RunAsync(items, new RolloutOptions { BatchSize = 3, ThrottleLimit = 1 }, null, null, cts.Token);

            Assert.Equal(6, results.Count);
            Assert.Equal(new[] { "vm1" }, started.ToArray());
            Assert.Equal(5, results.Count(r => r.NotStartedReason != null));
            Assert.Null(results.Single(r => r.Name == "vm1").NotStartedReason);
        }

        [Fact]
        public async Task When_the_backup_of_a_pair_fails_its_primary_is_not_touched()
        {
            var started = new ConcurrentBag<string>();
            var exec = Executor((name, batch, ct) => { started.Add(name); return Task.FromResult(new Outcome(name, batch, name == "backup", null)); });
            var results = await exec.RunAsync(new[] { Item("primary", "g", 1), Item("backup", "g", 0), Item("other") }, new RolloutOptions { BatchSize = 5 }, null, null, CancellationToken.None);
            Assert.DoesNotContain("primary", started);
            Assert.Contains("partner", results.Single(r => r.Name == "primary").NotStartedReason);
        }

        [Fact]
        public async Task The_delay_between_batches_is_cancellable()
        {
            using var cts = new CancellationTokenSource();
            var exec = Executor((name, batch, ct) => { cts.CancelAfter(50); return Task.FromResult(new Outcome(name, batch, false, null)); });
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var results = await exec.RunAsync(new[] { Item("a"), Item("b") }, new RolloutOptions { BatchSize = 1, Delay = TimeSpan.FromMinutes(5) }, null, null, cts.Token);
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(1));
            Assert.NotNull(results.Single(r => r.Name == "b").NotStartedReason);
        }

        [Fact]
        public async Task The_next_batch_is_prepared_in_slots_the_draining_batch_leaves_and_changed_only_after_it()
        {
            var log = new ConcurrentQueue<string>();
            int busy = 0, peak = 0, batch1Running = 0;
            bool changedEarly = false;
            async Task Busy(Func<Task> body)
            {
                InterlockedMax(ref peak, Interlocked.Increment(ref busy));
                try { await body(); } finally { Interlocked.Decrement(ref busy); }
            }
            var exec = new RollingExecutor<string, Outcome>(
                async (name, batch, ct) =>
                {
                    if (batch == 1) Interlocked.Increment(ref batch1Running);
                    else if (Volatile.Read(ref batch1Running) > 0) changedEarly = true;
                    await Busy(() => Task.Delay(name == "slow" ? 300 : 20));
                    log.Enqueue("work " + name);
                    if (batch == 1) Interlocked.Decrement(ref batch1Running);
                    return new Outcome(name, batch, false, null);
                },
                r => r.Failed, (name, batch, why) => new Outcome(name, batch, false, why))
            {
                PrepareAhead = (name, ct) => Busy(async () => { log.Enqueue("prepare " + name); await Task.Delay(20); }),
            };
            var items = new[] { Item("slow"), Item("a"), Item("b"), Item("c"), Item("d"), Item("e") };
            var results = await exec.RunAsync(items, new RolloutOptions { BatchSize = 3, ThrottleLimit = 2 }, null, null, CancellationToken.None);

            Assert.All(results, r => Assert.Null(r.NotStartedReason));
            var order = log.ToList();
            // "slow" keeps batch 1 busy: its free slot prepares batch 2 before batch 1 ends, and batch 2 is changed only after.
            Assert.Contains("prepare c", order);
            Assert.True(order.IndexOf("prepare c") < order.IndexOf("work slow"), string.Join(", ", order));
            Assert.False(changedEarly, "a batch 2 item's work started while batch 1 was running");
            Assert.InRange(peak, 1, 2); // preparing counts against ThrottleLimit
        }

        [Fact]
        public async Task A_prepared_item_that_does_not_run_is_released()
        {
            var released = new ConcurrentBag<string>();
            var exec = new RollingExecutor<string, Outcome>(
                async (name, batch, ct) => { await Task.Delay(name == "backup" ? 200 : 10); return new Outcome(name, batch, name == "backup", null); },
                r => r.Failed, (name, batch, why) => new Outcome(name, batch, false, why))
            {
                PrepareAhead = (name, ct) => Task.CompletedTask,
                ReleasePrepared = released.Add,
            };
            var results = await exec.RunAsync(new[] { Item("backup", "g", 0), Item("other"), Item("primary", "g", 1) },
                new RolloutOptions { BatchSize = 5, ThrottleLimit = 2 }, null, null, CancellationToken.None);

            Assert.Contains("partner", results.Single(r => r.Name == "primary").NotStartedReason);
            Assert.Equal(new[] { "primary" }, released.ToArray());
        }

        [Fact]
        public async Task An_item_never_starts_its_work_while_its_head_start_is_being_handed_over()
        {
            // PrepareAhead's synchronous part is slow (like starting an ssh process): the item's work must wait for
            // it rather than prepare a second time, and no head start may begin once the item's work has.
            var events = new ConcurrentQueue<string>();
            var exec = new RollingExecutor<string, Outcome>(
                async (name, batch, ct) => { events.Enqueue("work " + name); await Task.Delay(name.StartsWith("x", StringComparison.Ordinal) ? 5 : 40); return new Outcome(name, batch, false, null); },
                r => r.Failed, (name, batch, why) => new Outcome(name, batch, false, why))
            {
                PrepareAhead = (name, ct) => { events.Enqueue("prepare " + name); Thread.Sleep(30); events.Enqueue("handed " + name); return Task.CompletedTask; },
            };
            var items = Enumerable.Range(1, 8).Select(i => Item("x" + i)).Concat(Enumerable.Range(1, 8).Select(i => Item("y" + i))).ToList();
            await exec.RunAsync(items, new RolloutOptions { BatchSize = 4, ThrottleLimit = 3 }, null, null, CancellationToken.None);

            var order = events.ToList();
            foreach (var item in items)
            {
                int prepare = order.IndexOf("prepare " + item.Name), handed = order.IndexOf("handed " + item.Name), work = order.IndexOf("work " + item.Name);
                Assert.True(work >= 0, item.Name + " never ran");
                Assert.Equal(prepare < 0 ? 0 : 1, order.Count(e => e == "prepare " + item.Name));
                if (prepare >= 0) Assert.True(handed < work, $"{item.Name}: work began before its head start was handed over: {string.Join(", ", order)}");
            }
            Assert.Contains(order, e => e.StartsWith("prepare ", StringComparison.Ordinal));
        }

        [Fact]
        public async Task Nothing_is_prepared_ahead_when_a_delay_separates_batches()
        {
            int prepared = 0;
            var exec = new RollingExecutor<string, Outcome>(
                (name, batch, ct) => Task.FromResult(new Outcome(name, batch, false, null)),
                r => r.Failed, (name, batch, why) => new Outcome(name, batch, false, why))
            {
                PrepareAhead = (name, ct) => { Interlocked.Increment(ref prepared); return Task.CompletedTask; },
            };
            await exec.RunAsync(new[] { Item("a"), Item("b") }, new RolloutOptions { BatchSize = 1, Delay = TimeSpan.FromMilliseconds(10) }, null, null, CancellationToken.None);
            Assert.Equal(0, prepared);
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int current;
            while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
        }
    }
}
