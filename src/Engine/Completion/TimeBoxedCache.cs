using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SysVmPatch.Engine.Completion
{
    /// <summary>
    /// Values for tab completion, cached for a short time and never waited for longer than a budget: a Tab press
    /// gets what is known now (fresh, stale, or nothing), and a fetch that outlives the budget keeps running so the
    /// next press finds its result. One cache per PowerShell runspace; thread-safe.
    /// </summary>
    public sealed class TimeBoxedCache
    {
        private sealed class Entry
        {
            public IReadOnlyList<string> Values = Array.Empty<string>();
            public DateTimeOffset FetchedAt = DateTimeOffset.MinValue;
            public Task? Fetching;
        }

        private readonly Dictionary<string, Entry> _entries = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        private readonly Func<DateTimeOffset> _now;

        public TimeBoxedCache(TimeSpan timeToLive, TimeSpan budget, Func<DateTimeOffset>? clock = null)
        {
            TimeToLive = timeToLive;
            Budget = budget;
            _now = clock ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>How long fetched values are served without asking again.</summary>
        public TimeSpan TimeToLive { get; }
        /// <summary>The longest a caller waits for a fetch.</summary>
        public TimeSpan Budget { get; }

        /// <summary>
        /// The values under <paramref name="key"/>: cached ones while fresh; otherwise starts (or joins) one fetch and
        /// waits for it at most <see cref="Budget"/>, then answers with whatever is cached. A failed fetch leaves the
        /// old values in place; the fetch gets a token cancelled after 30 seconds so a hung server is let go.
        /// </summary>
        public IReadOnlyList<string> Get(string key, Func<CancellationToken, Task<IReadOnlyList<string>>> fetch)
        {
            Task fetching;
            Entry entry;
            lock (_entries)
            {
                if (!_entries.TryGetValue(key, out entry!)) _entries[key] = entry = new Entry();
                if (_now() - entry.FetchedAt < TimeToLive) return entry.Values;
                fetching = entry.Fetching ??= Refresh(entry, fetch);
            }
            try { fetching.Wait(Budget); }
            catch (AggregateException) { /* Refresh swallows its failures; nothing to report to a Tab press */ }
            lock (_entries) return entry.Values;
        }

        private Task Refresh(Entry entry, Func<CancellationToken, Task<IReadOnlyList<string>>> fetch) => Task.Run(async () =>
        {
            using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                var values = await fetch(giveUp.Token).ConfigureAwait(false);
                lock (_entries) { entry.Values = values; entry.FetchedAt = _now(); }
            }
            catch (Exception)
            {
                // A server that is down or refuses: completion offers what it had, and tries again next time.
            }
            finally
            {
                lock (_entries) entry.Fetching = null;
            }
        });
    }
}
