using System.IO.Compression;
using Stagecraft.Snapshots;
using static Stagecraft.Sdk.Tests.Snapshots.SnapshotTestData;

namespace Stagecraft.Sdk.Tests.Snapshots;

/// <summary>
/// Whatever bytes arrive, the reader either returns a snapshot or throws a <see cref="SnapshotException"/> — never an
/// IndexOutOfRange, OutOfMemory, InvalidData or any other exception a worker would not expect.
/// Iterations scale with STAGECRAFT_FUZZ_ITERATIONS (default 2000 per test).
/// </summary>
public class SnapshotFuzzTests
{
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("STAGECRAFT_FUZZ_ITERATIONS"), out var n) ? n : 2000;

    private static readonly SnapshotReaderOptions SmallCap = new() { MaxUncompressedBytes = 1024 * 1024 };

    [Fact]
    public async Task Every_truncation_is_a_typed_format_error()
    {
        var bytes = (await SampleAsync()).ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsMemory(0, length);
            var ex = Record.Exception(() => StageSnapshot.FromBytes(prefix));
            Assert.True(ex is SnapshotFormatException, $"cut at {length} of {bytes.Length}: {ex?.GetType().Name ?? "accepted"}");
        }

        var v1 = Frame(1, Gzip(V1Payload("s", [("a", "b")], [("c", "d")])));
        for (var length = 0; length < v1.Length; length++)
        {
            Assert.ThrowsAny<SnapshotFormatException>(() => StageSnapshot.FromBytes(v1.AsMemory(0, length)));
        }
    }

    [Fact]
    public async Task Bit_flips_never_throw_anything_but_the_typed_error()
    {
        var original = await SampleAsync();
        var bytes = original.ToBytes();
        var random = new Random(3003);
        int accepted = 0, rejected = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var mutated = (byte[])bytes.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }

            if (TryRead(mutated, out var snapshot))
            {
                // Only flips in bytes gzip ignores (header timestamp, OS) can pass: the checksum covers the content.
                accepted++;
                Assert.Equal(original.Parameters, snapshot!.Parameters);
                Assert.Equal(original.Configuration, snapshot.Configuration);
                Assert.Equal(original.GetFile("weights/init.bin"), snapshot.GetFile("weights/init.bin"));
            }
            else
            {
                rejected++;
            }
        }

        Assert.True(rejected > Iterations * 9 / 10, $"{accepted} accepted, {rejected} rejected");
    }

    [Fact]
    public void Random_bytes_never_throw_anything_but_the_typed_error()
    {
        var random = new Random(42);
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length >= 6 && random.Next(2) == 0)
            {
                "SCSN"u8.CopyTo(bytes);
                bytes[4] = (byte)random.Next(0, 4);
                bytes[5] = 0;
            }

            TryRead(bytes, out _);
        }
    }

    [Fact]
    public void Random_payloads_inside_valid_gzip_never_throw_anything_but_the_typed_error()
    {
        // Gets past the gzip layer so the payload parser itself is exercised with garbage lengths and counts.
        var random = new Random(7);
        for (var i = 0; i < Iterations; i++)
        {
            var payload = new byte[random.Next(0, 200)];
            random.NextBytes(payload);
            if (payload.Length > 4 && random.Next(2) == 0)
            {
                payload[0] = (byte)random.Next(0, 8); // short stage name, so later fields are reached more often
            }

            var version = random.Next(1, 3);
            var bytes = version == 1
                ? Frame(1, Gzip(payload))
                : Frame(2, Gzip(payload), declaredLength: random.Next(3) == 0 ? (uint)random.Next(0, 1000) : (uint)payload.Length, crc: Stagecraft.Storage.Crc32C.Compute(payload));
            TryRead(bytes, out _);
        }
    }

    [Fact]
    public void Raw_deflate_and_garbage_after_the_header_are_typed_errors()
    {
        using var deflated = new MemoryStream();
        using (var deflate = new DeflateStream(deflated, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(V1Payload("s", [], []));
        }

        Assert.ThrowsAny<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(1, deflated.ToArray())));
        Assert.ThrowsAny<SnapshotFormatException>(() => StageSnapshot.FromBytes(Frame(1, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])));
    }

    private static bool TryRead(byte[] bytes, out StageSnapshot? snapshot)
    {
        try
        {
            snapshot = StageSnapshot.FromBytes(bytes, SmallCap);
            return true;
        }
        catch (SnapshotException)
        {
            snapshot = null;
            return false;
        }
    }
}
