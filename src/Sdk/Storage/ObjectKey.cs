using System.Buffers;
using System.Text;

namespace Stagecraft.Storage;

/// <summary>
/// The one place that decides what an object key is: <c>/</c>-separated, relative, no empty,
/// <c>.</c> or <c>..</c> segments, no control characters, at most 1024 UTF-8 bytes.
/// </summary>
public static class ObjectKey
{
    /// <summary>Cloud Storage's limit on object names, in UTF-8 bytes.</summary>
    public const int MaxUtf8Bytes = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the key and the broken rule.</summary>
    public static string Validate(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (Check(key, allowTrailingSlash: false) is { } rule)
        {
            throw new ArgumentException($"Invalid object key '{Printable(key)}': {rule}.", paramName);
        }

        return key;
    }

    /// <summary>
    /// Validates one segment of a key that a key builder joins with others (a run id, a pipeline or stage name, a shard):
    /// a valid key with no <c>/</c>, so it cannot reach into a neighbour's keys.
    /// </summary>
    public static string ValidateSegment(string segment, string paramName = "segment")
    {
        Validate(segment, paramName);
        if (segment.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{Printable(segment)}' must be a single path segment (no '/').", paramName);
        }

        return segment;
    }

    /// <summary>
    /// Validates a listing or transfer prefix: empty (everything), or a key that may end with <c>/</c>.
    /// </summary>
    public static string ValidatePrefix(string prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length == 0)
        {
            return prefix;
        }

        if (Check(prefix, allowTrailingSlash: true) is { } rule)
        {
            throw new ArgumentException($"Invalid object prefix '{Printable(prefix)}': {rule}.", paramName);
        }

        return prefix;
    }

    /// <summary>True when <paramref name="key"/> is a valid key.</summary>
    public static bool IsValid(string? key) => key is not null && Check(key, allowTrailingSlash: false) is null;

    /// <summary>Joins a prefix (empty, or ending in <c>/</c> or not) and a relative path into a validated key.</summary>
    public static string Join(string prefix, string relativePath)
    {
        ValidatePrefix(prefix);
        var rel = relativePath.Replace('\\', '/');
        var key = prefix.Length == 0 ? rel : prefix.EndsWith('/') ? prefix + rel : prefix + "/" + rel;
        return Validate(key, nameof(relativePath));
    }

    // Every key of every Get, Stat and Put passes here: one pass per rule over the characters, no substrings.
    private static string? Check(string key, bool allowTrailingSlash)
    {
        if (key.Length == 0)
        {
            return "it is empty";
        }

        if (key[0] == '/')
        {
            return "it must be relative (no leading '/')";
        }

        // char.IsControl: U+0000–U+001F and U+007F–U+009F.
        var control = key.AsSpan().IndexOfAny(ControlCharacters);
        if (control >= 0)
        {
            return $"it contains the control character U+{(int)key[control]:X4}";
        }

        int bytes;
        if (Ascii.IsValid(key))
        {
            bytes = key.Length;
        }
        else
        {
            try
            {
                bytes = StrictUtf8.GetByteCount(key);
            }
            catch (EncoderFallbackException)
            {
                return "it is not valid Unicode (lone surrogate)";
            }
        }

        if (bytes > MaxUtf8Bytes)
        {
            return $"it is {bytes} UTF-8 bytes long, more than {MaxUtf8Bytes}";
        }

        var body = allowTrailingSlash && key.EndsWith('/') ? key.AsSpan(0, key.Length - 1) : key.AsSpan();
        if (body.Length == 0)
        {
            return "it has an empty segment";
        }

        foreach (var range in body.Split('/'))
        {
            var segment = body[range];
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return $"it has a '{segment}' segment";
            }
        }

        return null;
    }

    private static readonly SearchValues<char> ControlCharacters = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F" +
        "\u007F\u0080\u0081\u0082\u0083\u0084\u0085\u0086\u0087\u0088\u0089\u008A\u008B\u008C\u008D\u008E\u008F" +
        "\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098\u0099\u009A\u009B\u009C\u009D\u009E\u009F");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Shows control characters escaped so an error message stays on one readable line.</summary>
    private static string Printable(string key)
    {
        var sb = new StringBuilder(Math.Min(key.Length, 200));
        foreach (var c in key.Length > 200 ? key[..200] : key)
        {
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        if (key.Length > 200)
        {
            sb.Append("...");
        }

        return sb.ToString();
    }
}
