using System.Text;
using Stagecraft.References;

namespace Stagecraft.Sdk.Tests.References;

/// <summary>The slice manifest reads back what uploads write, and refuses what is not a map of path to UTC time.</summary>
public sealed class SourceMtimesTests
{
    [Fact]
    public void What_is_written_reads_back_to_the_tick()
    {
        var times = new Dictionary<string, DateTime>(StringComparer.Ordinal)
        {
            ["a/b.bin"] = new DateTime(2026, 12, 6, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567),
            ["é/\"quoted\".txt"] = DateTime.UnixEpoch,
            ["_reference_fp.txt"] = new DateTime(1999, 1, 2, 0, 0, 0, DateTimeKind.Utc),
        };

        var read = SourceMtimes.TryParse(SourceMtimes.Serialize(times), out var error);

        Assert.Null(error);
        Assert.Equal(times.OrderBy(t => t.Key, StringComparer.Ordinal), read!.OrderBy(t => t.Key, StringComparer.Ordinal));
        Assert.All(read!.Values, t => Assert.Equal(DateTimeKind.Utc, t.Kind));
    }

    [Fact]
    public void A_time_spelled_with_escapes_still_parses()
    {
        var read = SourceMtimes.TryParse("""{"f":"\u0032026-01-01T00:00:00.0000000Z"}"""u8, out var error);

        Assert.Null(error);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), read!["f"]);
    }

    [Theory]
    [InlineData("""{"f":"2026-01-01T00:00:00.0000000+01:00"}""", "not a UTC ISO 8601 time")]
    [InlineData("""{"f":"2026-01-01T00:00:00.0000000"}""", "not a UTC ISO 8601 time")]
    [InlineData("""{"f":"2026-13-01T00:00:00.0000000Z"}""", "not a UTC ISO 8601 time")]
    [InlineData("""{"f":"yesterday"}""", "not a UTC ISO 8601 time")]
    [InlineData("""{"f":17}""", "is not a JSON object of path to time")]
    [InlineData("""["f"]""", "is not a JSON object of path to time")]
    [InlineData("""{"f":"2026-01-01T00:00:00.0000000Z"} {}""", "is not a JSON object of path to time")]
    [InlineData("""{"f":"2026-01-01T00:00:00.0000000Z" """, "is not a JSON object of path to time")]
    [InlineData("null", "is null")]
    public void What_is_not_a_map_of_path_to_utc_time_is_refused_with_a_reason(string json, string reason)
    {
        Assert.Null(SourceMtimes.TryParse(Encoding.UTF8.GetBytes(json), out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_listed_twice_keeps_its_last_time()
    {
        var read = SourceMtimes.TryParse("""{"f":"2026-01-01T00:00:00.0000000Z","f":"2026-01-02T00:00:00.0000000Z"}"""u8, out _);

        Assert.Equal(new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc), read!["f"]);
    }
}
