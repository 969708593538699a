using System.Collections.Generic;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.TestWorld.FakeCloudStack
{
    /// <summary>One answer of the fake server: HTTP status and JSON body.</summary>
    internal sealed record FakeAnswer(int Status, string Body)
    {
        public static FakeAnswer Ok(string responseName, Dictionary<string, object?> content) =>
            new FakeAnswer(200, JsonWriter.Write(new Dictionary<string, object?> { [responseName] = content }));

        /// <summary>CloudStack's ExceptionResponse: uuidList, errorcode, cserrorcode (when set), errortext.</summary>
        public static FakeAnswer Error(int status, string responseName, int errorCode, int? csErrorCode, string errorText)
        {
            var body = new Dictionary<string, object?> { ["uuidList"] = new List<object?>(), ["errorcode"] = errorCode };
            if (csErrorCode.HasValue) body["cserrorcode"] = csErrorCode.Value;
            body["errortext"] = errorText;
            return new FakeAnswer(status, JsonWriter.Write(new Dictionary<string, object?> { [responseName] = body }));
        }
    }

    /// <summary>Small builders for response objects that leave out null fields, as CloudStack's Gson does.</summary>
    internal static class FakeJson
    {
        public static Dictionary<string, object?> Obj(params (string Name, object? Value)[] fields)
        {
            var obj = new Dictionary<string, object?>();
            foreach (var (name, value) in fields)
                if (value != null) obj[name] = value;
            return obj;
        }
    }
}
