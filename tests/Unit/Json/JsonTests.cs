using System.Collections.Generic;
using SysVmPatch.Engine.Json;

namespace SysVmPatch.Tests.Json
{
    public class JsonTests
    {
        [Fact]
        public void Parses_a_CloudStack_list_response()
        {
            var doc = (IDictionary<string, object?>)JsonReader.Parse("{\"listroutersresponse\":{\"count\":2,\"router\":[{\"id\":\"a\",\"isredundantrouter\":true},{\"id\":\"b\",\"n\":-1.5e2}]}}")!;
            var inner = doc.GetObject("listroutersresponse")!;
            Assert.Equal(2L, inner.GetLong("count"));
            var items = inner.GetArray("router")!;
            Assert.Equal("a", ((IDictionary<string, object?>)items[0]!).GetString("id"));
            Assert.True(((IDictionary<string, object?>)items[0]!).GetBool("isredundantrouter"));
            Assert.Equal(-150d, ((IDictionary<string, object?>)items[1]!)["n"]);
        }

        [Theory]
        [InlineData("{\"a\":")]
        [InlineData("{\"a\":1,}")]
        [InlineData("[1 2]")]
        [InlineData("\"unterminated")]
        [InlineData("{} trailing")]
        public void Refuses_bad_json_with_the_offset(string text)
        {
            var ex = Assert.Throws<System.FormatException>(() => JsonReader.Parse(text));
            Assert.Contains("offset", ex.Message);
        }

        [Fact]
        public void Round_trips_hostile_strings()
        {
            string hostile = "r-1\"\\\n\t\u001b[31m\u2028é漢";
            string json = JsonWriter.Write(new Dictionary<string, object?> { ["name"] = hostile, ["n"] = 3L, ["ok"] = false, ["none"] = null });
            Assert.DoesNotContain("\n", json);
            var back = (IDictionary<string, object?>)JsonReader.Parse(json)!;
            Assert.Equal(hostile, back.GetString("name"));
            Assert.Equal(3L, back.GetLong("n"));
            Assert.False(back.GetBool("ok"));
            Assert.Null(back["none"]);
        }
    }
}
