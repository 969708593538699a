using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Engine.CloudStack
{
    public sealed partial class CloudStackClient
    {
        // Without a count the pages are read one by one until a short page; this bounds a server that never ends.
        private const int MaxPagesWithoutCount = 10000;

        /// <inheritdoc />
        public async Task<IReadOnlyList<IDictionary<string, object?>>> ListAllAsync(string command, string itemName, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(itemName)) throw new ArgumentException("No item name given.", nameof(itemName));
            parameters ??= new Dictionary<string, string>();
            int pageSize = Settings.PageSize;

            // A caller that names its own page gets exactly that page.
            if (parameters.ContainsKey("page"))
                return Items(await ExecuteAsync(command, parameters, cancellationToken, "(one page)").ConfigureAwait(false), itemName);

            var first = await ExecuteAsync(command, WithPage(parameters, 1, pageSize), cancellationToken, $"page 1 (pagesize {pageSize})").ConfigureAwait(false);
            var pages = new List<IReadOnlyList<IDictionary<string, object?>>> { Items(first, itemName) };
            long? count = first.GetLong("count");

            if (count.HasValue)
            {
                int totalPages = (int)Math.Min(int.MaxValue, (count.Value + pageSize - 1) / pageSize);
                if (totalPages > 1 && pages[0].Count > 0)
                    pages.AddRange(await FetchPagesAsync(command, itemName, parameters, pageSize, totalPages, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                // No count (some versions, some commands): a full page means there may be more.
                for (int page = 2; pages[pages.Count - 1].Count >= pageSize && page <= MaxPagesWithoutCount; page++)
                {
                    var next = await ExecuteAsync(command, WithPage(parameters, page, pageSize), cancellationToken, $"page {page} (pagesize {pageSize}, no count)").ConfigureAwait(false);
                    pages.Add(Items(next, itemName));
                }
            }
            return Merge(pages);
        }

        private async Task<IReadOnlyList<IDictionary<string, object?>>[]> FetchPagesAsync(
            string command, string itemName, IReadOnlyDictionary<string, string> parameters, int pageSize, int totalPages, CancellationToken cancellationToken)
        {
            var results = new IReadOnlyList<IDictionary<string, object?>>[totalPages - 1];
            using var gate = new SemaphoreSlim(Settings.MaxConcurrency);
            using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tasks = new List<Task>();
            for (int page = 2; page <= totalPages; page++)
            {
                int p = page;
                tasks.Add(Task.Run(async () =>
                {
                    await gate.WaitAsync(failFast.Token).ConfigureAwait(false);
                    try
                    {
                        var answer = await ExecuteAsync(command, WithPage(parameters, p, pageSize), failFast.Token,
                            $"page {p}/{totalPages} (pagesize {pageSize})").ConfigureAwait(false);
                        results[p - 2] = Items(answer, itemName);
                    }
                    catch
                    {
                        failFast.Cancel(); // one lost page loses the list: stop the others early
                        throw;
                    }
                    finally { gate.Release(); }
                }, failFast.Token));
            }
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Some pages were cancelled by us after another failed: surface the failure that caused it.
                foreach (var t in tasks)
                    if (t.IsFaulted && t.Exception?.InnerException is Exception cause)
                        ExceptionDispatchInfo.Capture(cause).Throw();
                throw;
            }
            return results;
        }

        private static Dictionary<string, string> WithPage(IReadOnlyDictionary<string, string> parameters, int page, int pageSize)
        {
            var copy = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in parameters) copy[p.Key] = p.Value;
            copy["page"] = page.ToString(CultureInfo.InvariantCulture);
            copy["pagesize"] = pageSize.ToString(CultureInfo.InvariantCulture);
            return copy;
        }

        private static IReadOnlyList<IDictionary<string, object?>> Items(IDictionary<string, object?> answer, string itemName)
        {
            var list = new List<IDictionary<string, object?>>();
            var array = answer.GetArray(itemName);
            if (array is null) return list; // the empty shape: {"listxresponse":{}}
            foreach (var item in array)
                if (item is IDictionary<string, object?> obj) list.Add(obj);
            return list;
        }

        // Pages are concatenated in page order; an item that moved between pages while we read them
        // (a VM created or destroyed mid-listing) is kept once, where it was first seen.
        private static IReadOnlyList<IDictionary<string, object?>> Merge(IEnumerable<IReadOnlyList<IDictionary<string, object?>>> pages)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var all = new List<IDictionary<string, object?>>();
            foreach (var page in pages)
                foreach (var item in page)
                {
                    string? id = item.GetString("id");
                    if (id is null || seen.Add(id)) all.Add(item);
                }
            return all;
        }
    }
}
