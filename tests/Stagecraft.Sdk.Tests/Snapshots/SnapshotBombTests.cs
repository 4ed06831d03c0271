using System.IO.Compression;
using System.Text;
using Xunit.Abstractions;
using Stagecraft.Snapshots;
using static Stagecraft.Sdk.Tests.Snapshots.SnapshotTestData;

namespace Stagecraft.Sdk.Tests.Snapshots;

/// <summary>
/// Seed 003 review: "unbounded decompression". A few kilobytes of gzip that inflate to a gigabyte must stop at the cap,
/// with a typed error, without the reader allocating anywhere near the inflated size.
/// </summary>
public class SnapshotBombTests(ITestOutputHelper output)
{
    private const long BombSize = 1L << 30; // 1 GiB once inflated
    private const int ValueSize = 16 * 1024;

    // A version-1 payload (no declared length): a valid start, then configuration entries until 1 GiB. Built once.
    private static readonly Lazy<byte[]> EntriesBomb = new(() =>
    {
        var entries = (int)(BombSize / (ValueSize + 16));
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            using var head = new MemoryStream();
            WriteString(head, "bomb");
            WriteVarUInt(head, 0); // parameters
            WriteVarUInt(head, (ulong)entries);
            gzip.Write(head.ToArray());
            var value = Encoding.ASCII.GetBytes(new string('a', ValueSize));
            using var entry = new MemoryStream();
            for (var i = 0; i < entries; i++)
            {
                entry.SetLength(0);
                WriteString(entry, "k" + i.ToString("D9", System.Globalization.CultureInfo.InvariantCulture));
                WriteVarUInt(entry, ValueSize);
                entry.Write(value);
                gzip.Write(entry.GetBuffer(), 0, (int)entry.Length);
            }
        }

        return Frame(1, output.ToArray());
    });

    private static readonly SnapshotLimits Unlimited = new()
    {
        MaxEntries = int.MaxValue,
        MaxTextBytes = int.MaxValue,
        MaxFileBytes = int.MaxValue,
        MaxTotalFileBytes = long.MaxValue,
        MaxFiles = int.MaxValue,
    };

    [Fact]
    public void Bomb_stops_at_the_uncompressed_cap_while_reading_with_bounded_memory()
    {
        var bomb = EntriesBomb.Value;
        Assert.True(bomb.Length < BombSize / 50, $"the bomb should be small on the wire, was {bomb.Length} bytes");
        const long Cap = 8L * 1024 * 1024;
        var options = new SnapshotReaderOptions { MaxUncompressedBytes = Cap, Limits = Unlimited }; // only the cap can stop it

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bomb, options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"bomb: {bomb.Length} bytes on the wire, {BombSize} inflated; cap {Cap}; allocated {allocated} bytes");
        Assert.Equal("uncompressed size", ex.LimitName);
        Assert.Equal(Cap, ex.Limit);
        Assert.True(allocated < 4 * Cap, $"reading a {BombSize}-byte bomb with an {Cap}-byte cap allocated {allocated} bytes");
    }

    [Fact]
    public void Bomb_with_default_options_fails_fast_far_below_its_size()
    {
        var bomb = EntriesBomb.Value;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsAny<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bomb));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"default options: {ex.LimitName} stopped it after allocating {allocated} bytes");
        Assert.True(allocated < BombSize / 16, $"allocated {allocated} bytes for a {BombSize}-byte bomb ({ex.LimitName})");
    }

    [Fact]
    public void Default_cap_is_64_MiB_and_enforced_while_reading()
    {
        Assert.Equal(64L * 1024 * 1024, SnapshotReaderOptions.Default.MaxUncompressedBytes);
        var bomb = EntriesBomb.Value;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bomb, new SnapshotReaderOptions { Limits = Unlimited }));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"default cap: allocated {allocated} bytes reading a {BombSize}-byte bomb");
        Assert.Equal("uncompressed size", ex.LimitName);
        Assert.Equal(SnapshotReaderOptions.DefaultMaxUncompressedBytes, ex.Limit);
        Assert.True(allocated < BombSize / 3, $"allocated {allocated} bytes for a {BombSize}-byte bomb");
    }

    [Fact]
    public void Declared_length_larger_than_the_cap_is_rejected_before_decompressing()
    {
        var bytes = Frame(2, Gzip("x"u8), declaredLength: uint.MaxValue);
        var ex = Assert.Throws<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bytes));
        Assert.Equal(uint.MaxValue, ex.Actual);
    }

    [Fact]
    public void Payload_longer_than_its_declared_length_stops_at_the_declared_length()
    {
        var payload = V1Payload("s", [("p", new string('v', 100_000))], []);
        var bytes = Frame(2, Gzip(payload), declaredLength: 1000);
        var ex = Assert.ThrowsAny<SnapshotException>(() => StageSnapshot.FromBytes(bytes));
        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_huge_declared_entry_is_refused_before_allocating()
    {
        using var payload = new MemoryStream();
        WriteString(payload, "s");
        WriteVarUInt(payload, 1);
        WriteString(payload, "p");
        WriteVarUInt(payload, 1UL << 40); // a terabyte-long value, declared
        var bytes = Frame(1, Gzip(payload.ToArray()));

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.ThrowsAny<SnapshotLimitExceededException>(() => StageSnapshot.FromBytes(bytes, new SnapshotReaderOptions { Limits = Unlimited }));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024);
    }
}
