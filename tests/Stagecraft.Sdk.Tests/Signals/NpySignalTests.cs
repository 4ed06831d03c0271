using System.Buffers.Binary;
using System.Text;
using Stagecraft.Signals;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Tests.Signals;

public sealed class NpySignalTests : IDisposable
{
    private readonly TempDirectory _temp = new("npy");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_matrix_round_trips_and_the_header_follows_the_npy_1_0_layout()
    {
        var array = new NpyArray([1.5, -2, 3, double.NaN, 5, 6e-300], 2, 3);
        var signal = await NpySignal.WriteAsync(_temp.Combine("m.npy"), array);

        var bytes = await File.ReadAllBytesAsync(signal.Path);
        Assert.Equal(Magic, bytes[..6]);
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, bytes[7]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal(10 + headerLength + (6 * 8), bytes.Length);

        var read = await signal.ReadAsync();
        Assert.Equal([2, 3], read.Shape.ToArray());
        Assert.Equal(array.Data.ToArray(), read.Data.ToArray());
        Assert.Equal(3.0, read[0, 2]);
    }

    [Fact]
    public async Task Vectors_and_scalars_use_numpy_shape_syntax()
    {
        var vector = await NpySignal.WriteAsync(_temp.Combine("v.npy"), new NpyArray([1.0, 2.0], 2));
        var scalar = await NpySignal.WriteAsync(_temp.Combine("s.npy"), new NpyArray([7.0]));
        Assert.Contains("'shape': (2,)", Encoding.ASCII.GetString(await File.ReadAllBytesAsync(vector.Path)), StringComparison.Ordinal);
        Assert.Contains("'shape': ()", Encoding.ASCII.GetString(await File.ReadAllBytesAsync(scalar.Path)), StringComparison.Ordinal);
        var read = await scalar.ReadAsync();
        Assert.Empty(read.Shape);
        Assert.Equal([7.0], read.Data.ToArray());
    }

    [Fact]
    public async Task Files_written_by_older_numpy_and_big_endian_arrays_are_read()
    {
        // numpy before 1.17 padded the header to 16 bytes; '>f8' is a big-endian array.
        var path = _temp.Combine("be.npy");
        await File.WriteAllBytesAsync(path, Npy(">f8", "(2,)", 16, [BigEndian(1.25), BigEndian(-4)]));

        var read = await new NpySignal(path).ReadAsync();

        Assert.Equal([1.25, -4.0], read.Data.ToArray());
    }

    [Theory]
    [InlineData("<i4", "(1,)", "only float64")]
    [InlineData("<f8", "(3,)", "expected 24")]
    public async Task Unsupported_or_inconsistent_files_are_rejected_with_the_reason(string descr, string shape, string expected)
    {
        var path = _temp.Combine("bad.npy");
        await File.WriteAllBytesAsync(path, Npy(descr, shape, 64, [LittleEndian(1), LittleEndian(2)]));
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new NpySignal(path).ReadAsync());
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_npy_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new NpySignal(_temp.WriteFile("x.npy", "hello world")).ReadAsync());
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_that_does_not_match_the_data_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new NpyArray([1.0, 2.0, 3.0], 2, 2));
        Assert.Contains("holds 4 values but 3 were given", ex.Message, StringComparison.Ordinal);
    }

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static byte[] Npy(string descr, string shape, int alignment, byte[][] data)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var padding = (alignment - ((10 + dict.Length + 1) % alignment)) % alignment;
        var header = dict + new string(' ', padding) + "\n";
        var bytes = new List<byte>(Magic) { 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var d in data)
        {
            bytes.AddRange(d);
        }

        return [.. bytes];
    }

    private static byte[] BigEndian(double value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        return b;
    }

    private static byte[] LittleEndian(double value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        return b;
    }
}
