using System;
using System.Collections.Generic;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>
    /// One request the fake management server received: decoded parameters without the signature, the raw
    /// query as sent (to check the client's bytes), the HTTP method and the status it answered.
    /// </summary>
    public sealed record FakeApiCall(DateTimeOffset Time, string Method, string? Command, IReadOnlyDictionary<string, string> Parameters, string RawQuery, int Status)
    {
        public string? Get(string name) => Parameters.TryGetValue(name, out var v) ? v : null;
    }
}
