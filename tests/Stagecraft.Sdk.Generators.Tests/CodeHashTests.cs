using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Stagecraft.Generators.Pipelines;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>The code hash: SHA-256 of the method's tokens as "length:text", blind to trivia, sensitive to any token.</summary>
public sealed class CodeHashTests
{
    private const string Baseline = """
        class C
        {
            [Stage(Version = "1")]
            public static int Score(int[] values)
            {
                var total = 0;
                foreach (var v in values) { total += v; }
                return total;
            }
        }
        """;

    [Fact]
    public void Hash_is_SHA256_hex_of_length_prefixed_token_texts()
    {
        const string source = "class C { [Stage] static int F() => 1; }";
        var expectedText = "1:[5:Stage1:]6:static3:int1:F1:(1:)2:=>1:11:;";
        var expected = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(expectedText))).ToLowerInvariant();

        Assert.Equal(expected, Hash(source));
    }

    [Theory]
    [InlineData("whitespace and line breaks", "var total = 0;", "var   total =\n            0 ;")]
    [InlineData("a line comment", "return total;", "return total; // the sum")]
    [InlineData("a block comment", "var total = 0;", "/* start */ var total = 0;")]
    [InlineData("a doc comment", "[Stage(Version = \"1\")]", "/// <summary>Sums.</summary>\n    [Stage(Version = \"1\")]")]
    [InlineData("a region", "var total = 0;", "#region sum\n        var total = 0;\n        #endregion")]
    [InlineData("code disabled by #if", "return total;", "#if NEVER_DEFINED\n        total = -1;\n#endif\n        return total;")]
    public void Trivia_does_not_change_the_hash(string what, string find, string replacement)
    {
        var edited = Baseline.Replace(find, replacement, StringComparison.Ordinal);
        Assert.True(edited != Baseline, what);

        Assert.Equal(Hash(Baseline), Hash(edited));
    }

    [Theory]
    [InlineData("a literal", "var total = 0;", "var total = 1;")]
    [InlineData("a local's name", "total", "sum")]
    [InlineData("an operator", "total += v;", "total -= v;")]
    [InlineData("the return type", "public static int", "public static long")]
    [InlineData("the Version argument", "Version = \"1\"", "Version = \"2\"")]
    [InlineData("code enabled by #if", "return total;", "#if true\n        total = -1;\n#endif\n        return total;")]
    public void Token_changes_change_the_hash(string what, string find, string replacement)
    {
        var edited = Baseline.Replace(find, replacement, StringComparison.Ordinal);
        Assert.True(edited != Baseline, what);

        Assert.NotEqual(Hash(Baseline), Hash(edited));
    }

    [Fact]
    public void Token_boundaries_matter_even_when_the_texts_concatenate_alike()
    {
        // "ab" and "a b" join to the same characters; the length prefix keeps them apart.
        Assert.NotEqual(Hash("class C { static int F() => ab; }"), Hash("class C { static int F() => a b; }"));
    }

    private static string Hash(string source)
    {
        var method = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single();
        return StageCodeHasher.Hash(method);
    }
}
