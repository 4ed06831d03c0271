using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Storage;

public class ObjectKeyComparerTests
{
    [Theory]
    [InlineData("a", "b")]
    [InlineData("a", "a/")]
    [InlineData("a.c", "a/b")]
    [InlineData("a/b", "a0")]
    [InlineData("Z", "a")]
    [InlineData("z", "é")]
    [InlineData("\uFF5E", "😀")] // UTF-16 puts the surrogate pair first; UTF-8 (and Cloud Storage) the other way round
    [InlineData("\uE000", "\U00010000")]
    public void Orders_by_utf8_bytes(string smaller, string larger)
    {
        Assert.True(ObjectKeyComparer.Instance.Compare(smaller, larger) < 0);
        Assert.True(ObjectKeyComparer.Instance.Compare(larger, smaller) > 0);
        Assert.True(Utf8Compare(smaller, larger) < 0, "the expectation itself must hold for UTF-8 bytes");
    }

    [Fact]
    public void Agrees_with_utf8_byte_order_on_random_keys()
    {
        var random = new Random(1234);
        char[] alphabet = ['a', 'B', '/', '.', '-', 'é', '\u4E2D', '\uFF5E', '\uE000'];
        var keys = Enumerable.Range(0, 400).Select(_ =>
        {
            var sb = new StringBuilder();
            for (var i = random.Next(1, 6); i > 0; i--)
            {
                if (random.Next(5) == 0)
                {
                    sb.Append("😀");
                }
                else
                {
                    sb.Append(alphabet[random.Next(alphabet.Length)]);
                }
            }

            return sb.ToString();
        }).ToList();

        Assert.Equal(keys.Order(Comparer<string>.Create(Utf8Compare)), keys.Order(ObjectKeyComparer.Instance));
    }

    [Fact]
    public void Handles_equal_and_null()
    {
        Assert.Equal(0, ObjectKeyComparer.Instance.Compare("same", "same"));
        Assert.True(ObjectKeyComparer.Instance.Compare(null, "a") < 0);
        Assert.True(ObjectKeyComparer.Instance.Compare("a", null) > 0);
    }

    private static int Utf8Compare(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x!).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y!));
}
