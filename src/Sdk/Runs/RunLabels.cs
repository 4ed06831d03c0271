namespace Stagecraft.Runs;

/// <summary>
/// Label rules, as Compute Engine enforces them (restricted to ASCII): keys 1–63 characters starting with a lower-case
/// letter, values 0–63 characters; both only lower-case letters, digits, <c>_</c> and <c>-</c>; at most 64 labels.
/// Validating here means a spec that works locally never fails on Google Cloud for its labels.
/// </summary>
public static class RunLabels
{
    public const int MaxCount = 64;

    public const int MaxLength = 63;

    /// <summary>Null when <paramref name="key"/> is a valid label key, otherwise the broken rule.</summary>
    public static string? CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is 0 or > MaxLength)
        {
            return $"must be 1 to {MaxLength} characters long";
        }

        if (key[0] is not (>= 'a' and <= 'z'))
        {
            return "must start with a lower-case letter";
        }

        return CheckCharacters(key);
    }

    /// <summary>
    /// A valid label value that says <paramref name="text"/>: lower-cased, every other character outside the label
    /// alphabet replaced by '-', cut to <see cref="MaxLength"/> (names such as a pipeline's <c>QuickStart</c> become <c>quickstart</c>).
    /// </summary>
    public static string ToValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '-').Take(MaxLength).ToArray();
        return new string(chars);
    }

    /// <summary>Null when <paramref name="value"/> is a valid label value, otherwise the broken rule.</summary>
    public static string? CheckValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > MaxLength ? $"must be at most {MaxLength} characters long" : CheckCharacters(value);
    }

    private static string? CheckCharacters(string s)
    {
        foreach (var c in s)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-'))
            {
                return "may contain only lower-case letters, digits, '_' and '-'";
            }
        }

        return null;
    }
}
