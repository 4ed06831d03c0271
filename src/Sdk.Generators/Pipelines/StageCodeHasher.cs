using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Computes a stage's code hash: SHA-256 over the method declaration's tokens (attributes, modifiers, signature and
/// body), each written as <c>&lt;length&gt;:&lt;text&gt;</c>. Trivia is skipped, so whitespace, line breaks, comments,
/// doc comments, <c>#region</c>s and code disabled by <c>#if</c> never change the hash; any token edit does (the
/// length prefix keeps different token sequences from concatenating to the same text). Code outside the method
/// (helpers it calls, types it uses) is not covered: <c>StageAttribute.Version</c> is the knob for that.
/// </summary>
internal sealed class StageCodeHasher : System.IDisposable
{
    private readonly SHA256 _sha = SHA256.Create();
    private readonly StringBuilder _text = new();

    public string Hash(SyntaxNode declaration)
    {
        _text.Clear();
        foreach (var token in declaration.DescendantTokens())
        {
            var text = token.Text;
            _text.Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(text);
        }

        var digest = _sha.ComputeHash(Encoding.UTF8.GetBytes(_text.ToString()));
        var hex = new StringBuilder(digest.Length * 2);
        foreach (var b in digest)
        {
            hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }

        return hex.ToString();
    }

    public void Dispose() => _sha.Dispose();
}
