using System;
using System.Linq;
using SysVmPatch.Engine.History;
using SysVmPatch.Engine.Inventory;

namespace SysVmPatch.Tests.History
{
    public sealed class PatchHistoryJsonTests
    {
        [Fact]
        public void EveryFieldSurvivesTheRoundTrip()
        {
            var original = new PatchHistoryRecord
            {
                Time = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234567),
                Operator = "admin@ws1",
                Operation = PatchOperation.Rollback,
                RunId = "7c2e0000-1111-2222-3333-444455556666",
                VmId = "a1b2",
                VmName = "r-102-VM",
                VmType = SystemVmType.Router,
                Zone = "zöne \"one\"",
                Server = "ms1",
                FromVersion = "4.18.0",
                ToVersion = "4.19.1",
                FromSignature = "5c1f",
                ToSignature = "9e1f",
                Status = "RolledBack",
                FailedStep = "RestartServices",
                Error = "haproxy failed\nline two\ttab \\ back \u2028 sep",
                Duration = TimeSpan.FromMilliseconds(31_415),
                Steps = new[] { "Copy ok", "RestartServices: haproxy failed (is-active: failed)" },
            };

            string line = PatchHistoryJson.ToLine(original);

            Assert.DoesNotContain('\n', line);
            Assert.DoesNotContain('\u2028', line);
            Assert.True(PatchHistoryJson.TryParse(line, out var parsed, out var problem), problem);
            Assert.Equal(original with { Steps = parsed!.Steps }, parsed);
            Assert.Equal(original.Steps, parsed.Steps);
            Assert.Equal(TimeSpan.Zero, parsed.Time.Offset);
        }

        [Fact]
        public void TheFastReaderAndTheGeneralParserAgree()
        {
            var records = new[]
            {
                SampleRecords.Numbered(7),
                SampleRecords.Numbered(8) with { VmType = null, Steps = System.Array.Empty<string>() },
                new PatchHistoryRecord { Operation = PatchOperation.Recreate, Duration = TimeSpan.FromDays(1.5) },
            };
            foreach (var original in records)
            {
                string line = PatchHistoryJson.ToLine(original);
                var fast = FlatLineParser.TryRead(line);
                Assert.True(PatchHistoryJson.TryParseGeneral(line, out var general, out var problem), problem);
                Assert.NotNull(fast);
                Assert.Equal(general! with { Steps = original.Steps }, fast! with { Steps = original.Steps });
                Assert.Equal(original with { Steps = fast.Steps }, fast);
                Assert.Equal(original.Steps, fast.Steps);
            }
        }

        [Fact]
        public void ALineWithEscapesIsLeftToTheGeneralParserAndReadWhole()
        {
            var original = SampleRecords.Numbered(8) with { Error = "quote \" and \\ and \u00e9 \n", VmType = null };
            string line = PatchHistoryJson.ToLine(original);

            Assert.Null(FlatLineParser.TryRead(line));
            Assert.True(PatchHistoryJson.TryParse(line, out var record, out var problem), problem);
            Assert.Equal(original with { Steps = record!.Steps }, record);
            Assert.Equal(original.Steps, record.Steps);
        }

        [Fact]
        public void ALineSpelledDifferentlyIsStillRead()
        {
            string line = "{ \"time\": \"2026-01-01T10:00:00Z\", \"v\": 1, \"vmName\": \"r-5-VM\", \"extra\": {\"a\": [1, 2]}, \"steps\": [\"a\"] }";

            Assert.Null(FlatLineParser.TryRead(line));
            Assert.True(PatchHistoryJson.TryParse(line, out var record, out var problem), problem);
            Assert.Equal("r-5-VM", record!.VmName);
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero), record.Time);
        }

        [Fact]
        public void TheLineCarriesTheFormatVersionFirst()
        {
            string line = PatchHistoryJson.ToLine(SampleRecords.Numbered(1));
            Assert.StartsWith("{\"v\":" + PatchHistoryJson.FormatVersion + ",", line);
        }

        [Fact]
        public void UnsetOptionalFieldsAreLeftOutAndReadBackAsNull()
        {
            var bare = new PatchHistoryRecord { Operation = PatchOperation.Restart, VmName = "s-1-VM", Status = "Restarted" };
            string line = PatchHistoryJson.ToLine(bare);

            Assert.DoesNotContain("failedStep", line);
            Assert.True(PatchHistoryJson.TryParse(line, out var parsed, out _));
            Assert.Null(parsed!.FailedStep);
            Assert.Null(parsed.VmType);
            Assert.Empty(parsed.Steps);
        }

        [Theory]
        [InlineData("{\"v\":1,\"id\":\"x\",\"time\":\"2026-01-01T00:00:00.0000000Z\",\"vmName\":\"r-1-VM")]
        [InlineData("not json")]
        [InlineData("[1,2]")]
        [InlineData("{\"id\":\"x\",\"time\":\"2026-01-01T00:00:00Z\"}")]
        [InlineData("{\"v\":1,\"id\":\"x\",\"time\":\"yesterday\"}")]
        public void ALineThatIsNotARecordIsRefusedWithAReason(string line)
        {
            Assert.False(PatchHistoryJson.TryParse(line, out var record, out var problem));
            Assert.Null(record);
            Assert.False(string.IsNullOrEmpty(problem));
        }

        [Fact]
        public void ANewRecordHasAnIdAUtcTimeAndAnOperator()
        {
            var record = new PatchHistoryRecord();
            Assert.True(Guid.TryParse(record.Id, out _));
            Assert.Equal(TimeSpan.Zero, record.Time.Offset);
            Assert.Contains("@", record.Operator);
            Assert.NotEqual(record.Id, new PatchHistoryRecord().Id);
        }

        [Fact]
        public void ForVmCopiesTheVmsIdentity()
        {
            var vm = new SystemVm { Id = "u-1", Name = "v-2-VM", Type = SystemVmType.CPVM, ZoneName = "zone2", Server = "prod" };
            var record = PatchHistoryRecord.ForVm(vm, PatchOperation.LivePatch, "run-9");
            Assert.Equal(("u-1", "v-2-VM", SystemVmType.CPVM, "zone2", "prod", "run-9"),
                (record.VmId, record.VmName, record.VmType!.Value, record.Zone, record.Server, record.RunId));
        }

        [Fact]
        public void ARecordHasNoPlaceForSecrets()
        {
            string[] secretish = { "key", "secret", "password", "token", "credential", "private" };
            var offending = typeof(PatchHistoryRecord).GetProperties()
                .Select(p => p.Name)
                .Where(n => secretish.Any(s => n.IndexOf(s, StringComparison.OrdinalIgnoreCase) >= 0))
                .ToList();
            Assert.Empty(offending);
        }
    }
}
