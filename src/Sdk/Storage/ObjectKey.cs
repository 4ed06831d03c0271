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

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                return $"it contains the control character U+{(int)c:X4}";
            }
        }

        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(key);
        }
        catch (EncoderFallbackException)
        {
            return "it is not valid Unicode (lone surrogate)";
        }

        if (bytes > MaxUtf8Bytes)
        {
            return $"it is {bytes} UTF-8 bytes long, more than {MaxUtf8Bytes}";
        }

        var body = allowTrailingSlash && key.EndsWith('/') ? key[..^1] : key;
        if (body.Length == 0)
        {
            return "it has an empty segment";
        }

        foreach (var segment in body.Split('/'))
        {
            switch (segment)
            {
                case "":
                    return "it has an empty segment ('//' or a trailing '/')";
                case ".":
                case "..":
                    return $"it has a '{segment}' segment";
            }
        }

        return null;
    }

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
