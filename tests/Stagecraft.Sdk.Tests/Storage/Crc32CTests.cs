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
}
