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
