using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Storage;

public class ObjectMetadataTests
{
    [Fact]
    public void Ordinary_metadata_passes()
    {
        ObjectMetadata.Validate(null);
        ObjectMetadata.Validate(new Dictionary<string, string> { ["a"] = "", ["ключ"] = "значение" });
    }

    [Fact]
    public void Empty_keys_control_characters_and_oversize_are_rejected_naming_the_rule()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ObjectMetadata.Validate(new Dictionary<string, string> { [""] = "v" })).Message, StringComparison.Ordinal);
        Assert.Contains("U+000A", Assert.Throws<ArgumentException>(() => ObjectMetadata.Validate(new Dictionary<string, string> { ["a\nb"] = "v" })).Message, StringComparison.Ordinal);
        var big = new Dictionary<string, string> { ["k"] = new string('v', ObjectMetadata.MaxUtf8Bytes) };
        Assert.Contains("8193 UTF-8 bytes", Assert.Throws<ArgumentException>(() => ObjectMetadata.Validate(big)).Message, StringComparison.Ordinal);
    }
}
