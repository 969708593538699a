using System;
using System.Collections.Generic;
using System.Linq;

namespace SysVmPatch.Engine.Rollout
{
    /// <summary>
    /// Splits items into batches: first fit in input order, except that a group's later members go into a batch
    /// after the one holding the member before them, so a redundant pair is never down together.
    /// </summary>
    public static class BatchPlanner
    {
        public static IReadOnlyList<IReadOnlyList<RolloutItem<T>>> Plan<T>(IReadOnlyList<RolloutItem<T>> items, int batchSize)
        {
            if (items == null) throw new ArgumentNullException(nameof(items));
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "BatchSize must be at least 1.");
            var batches = new List<List<RolloutItem<T>>>();
            var placedGroups = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            int lastBatch = 0;

            void Place(RolloutItem<T> item, int earliest)
            {
                int index = earliest;
                while (index < batches.Count && batches[index].Count >= batchSize) index++;
                while (batches.Count <= index) batches.Add(new List<RolloutItem<T>>());
                batches[index].Add(item);
                lastBatch = index;
            }
            foreach (var item in items)
            {
                if (item.GroupKey == null) { Place(item, 0); continue; }
                if (!placedGroups.Add(item.GroupKey)) continue;
                // The whole group is placed when its first member is met, in its order.
                var group = items.Where(i => string.Equals(i.GroupKey, item.GroupKey, StringComparison.OrdinalIgnoreCase))
                                 .OrderBy(i => i.OrderInGroup).ToList();
                int earliest = 0;
                foreach (var member in group)
                {
                    Place(member, earliest);
                    earliest = lastBatch + 1;
                }
            }
            return batches.Where(b => b.Count > 0).Select(b => (IReadOnlyList<RolloutItem<T>>)b).ToList();
        }
    }
}
