using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SysVmPatch.Engine.CloudStack;

namespace SysVmPatch.Tests.CloudStack
{
    /// <summary>Servers (and commands) that leave count out: the client reads on until a short page.</summary>
    public sealed class PagingWithoutCountTests
    {
        private sealed class PagesHandler : HttpMessageHandler
        {
            public List<string> Queries { get; } = new List<string>();
            public int Total { get; init; }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                string query = request.RequestUri!.Query;
                lock (Queries) Queries.Add(query);
                int page = int.Parse(Param(query, "page")), size = int.Parse(Param(query, "pagesize"));
                var ids = Enumerable.Range((page - 1) * size, size).Where(i => i < Total).Select(i => $"{{\"id\":\"h{i}\",\"name\":\"host{i}\"}}");
                string list = string.Join(",", ids);
                string body = list.Length == 0 ? "{\"listhostsresponse\":{}}" : $"{{\"listhostsresponse\":{{\"host\":[{list}]}}}}";
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
            }

            private static string Param(string query, string name) =>
                query.TrimStart('?').Split('&').Select(p => p.Split('=')).First(p => p[0] == name)[1];
        }

        [Theory]
        [InlineData(0, 1)]
        [InlineData(7, 2)]
        [InlineData(10, 3)] // a full last page needs one more, empty, page to know it was the last
        [InlineData(3, 1)]
        public async Task ReadsUntilAShortPage(int total, int expectedRequests)
        {
            var handler = new PagesHandler { Total = total };
            var settings = CloudStackConnectionSettings.Create("http://stub/client/api", "k", new CloudStackSecret("s")).With(pageSize: 5, allowUnencryptedAuthentication: true);
            using var client = new CloudStackClient(settings, handler);
            var items = await client.ListAllAsync("listHosts", "host", new Dictionary<string, string>(), CancellationToken.None);
            Assert.Equal(Enumerable.Range(0, total).Select(i => $"h{i}"), items.Select(i => (string)i["id"]!));
            Assert.Equal(expectedRequests, handler.Queries.Count);
        }
    }
}
