namespace Stagecraft.Registry;

/// <summary>
/// The one validator of alias names (<c>production</c>, <c>champion</c>, <c>churn-model_v2</c>): 1–63 characters of
/// lower-case letters, digits, <c>-</c> and <c>_</c>, starting with a letter and ending with a letter or digit. An alias
/// name is a single storage-key segment, so it can never reach outside its folder.
/// </summary>
public static class AliasName
{
    public const int MaxLength = 63;

    /// <summary>Throws <see cref="ArgumentException"/> naming the value and the rule.</summary>
    public static string Validate(string alias, string paramName = "alias")
    {
        ArgumentNullException.ThrowIfNull(alias, paramName);
        if (Check(alias) is { } rule)
        {
            throw new ArgumentException($"Invalid alias name '{alias}': {rule}.", paramName);
        }

        return alias;
    }

    public static bool IsValid(string? alias) => alias is not null && Check(alias) is null;

    private static string? Check(string alias)
    {
        if (alias.Length is 0 or > MaxLength)
        {
            return $"it must be 1 to {MaxLength} characters long (got {alias.Length})";
        }

        foreach (var c in alias)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return "only lower-case letters, digits, '-' and '_' are allowed";
            }
        }

        if (alias[0] is not (>= 'a' and <= 'z'))
        {
            return "it must start with a lower-case letter";
        }

        if (alias[^1] is '-' or '_')
        {
            return "it must end with a letter or digit";
        }

        return null;
    }
}
