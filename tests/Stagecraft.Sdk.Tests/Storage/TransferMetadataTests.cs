using Stagecraft.Storage.Transfers;

namespace Stagecraft.Sdk.Tests.Storage;

public class TransferMetadataTests
{
    [Fact]
    public void Last_write_time_round_trips_to_the_tick()
    {
        var time = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc).AddTicks(1_234_567);
        var text = TransferMetadata.FormatLastWriteTime(time);
        Assert.Equal("2001-02-03T04:05:06.1234567Z", text);
        Assert.True(TransferMetadata.TryGetLastWriteTime(new Dictionary<string, string> { [TransferMetadata.LastWriteTimeKey] = text }, out var parsed));
        Assert.Equal(time, parsed);
        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2001-02-03T04:05:06.0000000+01:00")]
    [InlineData("2001-02-03T04:05:06")]
    public void Malformed_or_non_utc_times_are_ignored(string text) =>
        Assert.False(TransferMetadata.TryGetLastWriteTime(new Dictionary<string, string> { [TransferMetadata.LastWriteTimeKey] = text }, out _));

    [Fact]
    public void Missing_time_is_reported_as_absent() =>
        Assert.False(TransferMetadata.TryGetLastWriteTime(new Dictionary<string, string>(), out _));

    [Theory]
    [InlineData("", "")]
    [InlineData("data", "data/")]
    [InlineData("data/", "data/")]
    public void Transfer_prefixes_name_folders(string prefix, string normalized) =>
        Assert.Equal(normalized, TransferPaths.NormalizePrefix(prefix));
}
