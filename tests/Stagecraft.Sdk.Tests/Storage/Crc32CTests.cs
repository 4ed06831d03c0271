using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Storage;

public sealed class Crc32CTests
{
    [Fact]
    public void Crc32c_matches_the_published_check_value()
    {
        // RFC 3720 / iSCSI check value for "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var crc = new Crc32C();
        crc.Append("12345"u8);
        crc.Append("6789"u8);
        Assert.Equal(0xE3069283u, crc.Value);
        Assert.Equal("4waSgw==", crc.ToBase64());
    }

    [Fact]
    public void Crc32c_of_32_zero_bytes_is_the_rfc_3720_test_vector()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(769)]
    [InlineData(12_287)]
    [InlineData(12_288)]
    [InlineData(12_289 + 768 + 7)]
    [InlineData(65_536)]
    [InlineData(200_003)]
    public void Lengths_that_take_the_three_lane_paths_match_a_bitwise_reference(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(Reference(data), Crc32C.Compute(data));
    }

    [Fact]
    public void Appending_in_pieces_of_any_size_gives_the_checksum_of_the_whole()
    {
        var data = new byte[50_000];
        new Random(7).NextBytes(data);
        var expected = Reference(data);
        var random = new Random(11);
        for (var round = 0; round < 20; round++)
        {
            var crc = new Crc32C();
            for (var at = 0; at < data.Length;)
            {
                var take = Math.Min(data.Length - at, random.Next(0, 15_000));
                crc.Append(data.AsSpan(at, take));
                at += take;
            }

            Assert.Equal(expected, crc.Value);
        }
    }

    /// <summary>CRC32C one bit at a time (reflected polynomial 0x82F63B78), independent of the hardware instruction.</summary>
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
