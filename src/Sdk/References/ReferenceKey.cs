using System.Buffers;
using System.Text;
using Stagecraft.Storage;

namespace Stagecraft.References;

/// <summary>
/// The one place that decides what a reference key is. A key names one directory <c>&lt;root&gt;/&lt;key&gt;/</c>
/// locally and one path segment in storage (<c>.../post_run/{kind}/{shard}/{key}/</c>), so it must be a single
/// portable directory name.
/// </summary>
/// <remarks>
/// Rules: 1 to <see cref="MaxLength"/> characters; no <c>/</c> or <c>\</c> and none of <c>: * ? " &lt; &gt; |</c>
/// (so the same key works on Windows laptops); no control characters; not <c>.</c> or <c>..</c>; not starting
/// with <c>.</c> (hidden names are the store's own: staging trees, gates) and not ending with <c>.</c> or a space;
/// not ending with <see cref="ReferenceFileNames.LockFileSuffix"/> (it would collide with another key's lock file).
/// </remarks>
public static class ReferenceKey
{
    /// <summary>The longest key, in UTF-16 characters; short enough that temporary sibling names never truncate it.</summary>
    public const int MaxLength = 128;

    private static readonly SearchValues<char> Forbidden = SearchValues.Create("/\\:*?\"<>|");

    /// <summary>Returns <paramref name="key"/> when valid; otherwise throws <see cref="ArgumentException"/> naming the key and the rule.</summary>
    public static string Validate(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (Check(key) is { } rule)
        {
            throw new ArgumentException($"Invalid reference key '{Printable(key)}': {rule}.", paramName);
        }

        return key;
    }

    /// <summary>Whether <paramref name="key"/> is a valid reference key.</summary>
    public static bool IsValid(string? key) => key is not null && Check(key) is null;

    /// <summary>Null when <paramref name="key"/> is valid, otherwise the rule it breaks (for reports about keys found in storage).</summary>
    public static string? Explain(string? key) => key is null ? "it must not be null" : Check(key);

    private static string? Check(string key)
    {
        if (key.Length is 0 or > MaxLength)
        {
            return $"it must be 1 to {MaxLength} characters long (got {key.Length})";
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                return $"it contains the control character U+{(int)c:X4}";
            }
        }

        if (key.AsSpan().IndexOfAny(Forbidden) is var at and >= 0)
        {
            return $"it contains '{key[at]}'; a key is a single directory name";
        }

        if (key is "." or "..")
        {
            return $"'{key}' is not a directory name";
        }

        if (key[0] == '.')
        {
            return "it must not start with '.' (hidden names belong to the store)";
        }

        if (key[^1] is '.' or ' ')
        {
            return "it must not end with '.' or a space";
        }

        if (key.EndsWith(ReferenceFileNames.LockFileSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return $"it must not end with '{ReferenceFileNames.LockFileSuffix}' (another key's lock file has that name)";
        }

        // The storage side must accept it as a path segment too (valid Unicode, no lone surrogates).
        return ObjectKey.IsValid(key) ? null : "it is not valid Unicode";
    }

    private static string Printable(string key)
    {
        var sb = new StringBuilder(Math.Min(key.Length, MaxLength + 3));
        foreach (var c in key.Length > MaxLength ? key[..MaxLength] : key)
        {
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return key.Length > MaxLength ? sb.Append("...").ToString() : sb.ToString();
    }
}
