using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Storage;

public class ObjectKeyTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("runs/r1/logs/stdout.log")]
    [InlineData("dir/.hidden")]
    [InlineData("a/..b/c")]
    [InlineData("ünïcødé/ключ")]
    public void Valid_keys_pass(string key) => Assert.Equal(key, ObjectKey.Validate(key));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/abs", "relative")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/", "empty segment")]
    [InlineData("a/./b", "'.' segment")]
    [InlineData("a/../b", "'..' segment")]
    [InlineData("..", "'..' segment")]
    [InlineData("a\nb", "control character U+000A")]
    [InlineData("a\0b", "control character U+0000")]
    public void Invalid_keys_name_the_key_and_the_rule(string key, string rule)
    {
        var ex = Assert.Throws<ArgumentException>(() => ObjectKey.Validate(key));
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        Assert.Equal("key", ex.ParamName);
    }

    [Fact]
    public void Length_is_counted_in_utf8_bytes()
    {
        Assert.Equal(new string('a', 1024), ObjectKey.Validate(new string('a', 1024)));
        var ex = Assert.Throws<ArgumentException>(() => ObjectKey.Validate(new string('é', 513))); // 1026 bytes
        Assert.Contains("1026 UTF-8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lone_surrogate_is_rejected() =>
        Assert.Throws<ArgumentException>(() => ObjectKey.Validate("a\uD800b"));

    [Theory]
    [InlineData("")]
    [InlineData("runs/")]
    [InlineData("runs/r1")]
    public void Prefixes_may_be_empty_or_end_with_a_slash(string prefix) => Assert.Equal(prefix, ObjectKey.ValidatePrefix(prefix));

    [Theory]
    [InlineData("/")]
    [InlineData("a//")]
    [InlineData("../x/")]
    public void Bad_prefixes_are_rejected(string prefix) =>
        Assert.Throws<ArgumentException>(() => ObjectKey.ValidatePrefix(prefix));

    [Fact]
    public void Join_adds_exactly_one_separator()
    {
        Assert.Equal("p/x/y", ObjectKey.Join("p/", "x/y"));
        Assert.Equal("p/x/y", ObjectKey.Join("p", "x\\y"));
        Assert.Equal("x", ObjectKey.Join("", "x"));
        Assert.Throws<ArgumentException>(() => ObjectKey.Join("p/", "../x"));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("a/b", true)]
    [InlineData("a/b/", false)]
    public void IsValid_agrees_with_Validate(string? key, bool valid) => Assert.Equal(valid, ObjectKey.IsValid(key));

    [Fact]
    public void Errors_name_the_parameter_they_were_given()
    {
        Assert.Equal("sourceKey", Assert.Throws<ArgumentException>(() => ObjectKey.Validate("a//b", "sourceKey")).ParamName);
        Assert.Equal("prefix", Assert.Throws<ArgumentException>(() => ObjectKey.ValidatePrefix("/")).ParamName);
    }

    [Fact]
    public void Error_messages_keep_control_characters_visible_and_long_keys_short()
    {
        var ex = Assert.Throws<ArgumentException>(() => ObjectKey.Validate("a\tb\u0007" + new string('x', 2000)));
        Assert.DoesNotContain("\u0007", ex.Message, StringComparison.Ordinal);
        var control = Assert.Throws<ArgumentException>(() => ObjectKey.Validate("bell\u0007"));
        Assert.Contains("bell\\u0007", control.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length < 400, ex.Message);
    }

    [Fact]
    public void Join_refuses_control_characters_and_bad_prefixes()
    {
        Assert.Throws<ArgumentException>(() => ObjectKey.Join("p", "a\nb"));
        Assert.Throws<ArgumentException>(() => ObjectKey.Join("/p", "a"));
        Assert.Throws<ArgumentException>(() => ObjectKey.Join("p/", "a/"));
    }
}
