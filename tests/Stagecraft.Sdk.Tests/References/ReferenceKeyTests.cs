using Stagecraft.References;

namespace Stagecraft.Sdk.Tests.References;

public class ReferenceKeyTests
{
    [Theory]
    [InlineData("households")]
    [InlineData("db_1-x.v2")]
    [InlineData("Ünïcode")]
    [InlineData("a")]
    public void Valid_keys_are_single_portable_directory_names(string key)
    {
        Assert.True(ReferenceKey.IsValid(key));
        Assert.Equal(key, ReferenceKey.Validate(key));
    }

    [Theory]
    [InlineData("", "1 to 128")]
    [InlineData("a/b", "'/'")]
    [InlineData("a\\b", "'\\'")]
    [InlineData(".", "not a directory name")]
    [InlineData("..", "not a directory name")]
    [InlineData(".hidden", "must not start with '.'")]
    [InlineData("trailing.", "must not end")]
    [InlineData("trailing ", "must not end")]
    [InlineData("tab\there", "U+0009")]
    [InlineData("nl\nhere", "U+000A")]
    [InlineData("c:", "':'")]
    [InlineData("what?", "'?'")]
    [InlineData("db.build.lock", ".build.lock")]
    public void Invalid_keys_are_rejected_naming_the_key_and_the_rule(string key, string rule)
    {
        var ex = Assert.Throws<ArgumentException>(() => ReferenceKey.Validate(key));
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Invalid reference key", ex.Message, StringComparison.Ordinal);
        Assert.False(ReferenceKey.IsValid(key));
        Assert.NotNull(ReferenceKey.Explain(key));
    }

    [Fact]
    public void A_key_with_a_lone_surrogate_is_rejected()
    {
        var key = "lone" + (char)0xD800;
        var ex = Assert.Throws<ArgumentException>(() => ReferenceKey.Validate(key));
        Assert.Contains("not valid Unicode", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_longer_than_the_limit_are_rejected()
    {
        Assert.True(ReferenceKey.IsValid(new string('k', ReferenceKey.MaxLength)));
        Assert.False(ReferenceKey.IsValid(new string('k', ReferenceKey.MaxLength + 1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("two\nlines")]
    public void Invalid_fingerprints_are_rejected(string fingerprint)
    {
        var ex = Assert.Throws<ArgumentException>(() => ReferenceFingerprint.Validate(fingerprint));
        Assert.Contains("Invalid reference fingerprint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_entry_point_validates_keys_with_the_one_validator()
    {
        using var dir = new Stagecraft.Testing.TempDirectory("refkey");
        var store = new ReferenceStore(dir.Path);
        Assert.Throws<ArgumentException>(() => store.TryGet("../escape"));
        Assert.Throws<ArgumentException>(() => store.GetMarker("a/b"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.EnsureAsync("..", "fp", (_, _) => Task.CompletedTask));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
