namespace Stagecraft.Runs;

/// <summary>The one validator of run ids: a lower-case DNS label (RFC 1123), 1–63 characters.</summary>
public static class RunId
{
    public const int MaxLength = 63;

    /// <summary>Throws <see cref="ArgumentException"/> naming the value and the rule.</summary>
    public static string Validate(string runId, string paramName = "runId")
    {
        ArgumentNullException.ThrowIfNull(runId, paramName);
        if (Check(runId) is { } rule)
        {
            throw new ArgumentException($"Invalid run id '{runId}': {rule}.", paramName);
        }

        return runId;
    }

    public static bool IsValid(string? runId) => runId is not null && Check(runId) is null;

    /// <summary>Null when <paramref name="runId"/> is valid, otherwise the rule it breaks (for callers with their own exception type).</summary>
    public static string? Explain(string? runId) => runId is null ? "it must not be null" : Check(runId);

    private static string? Check(string id)
    {
        if (id.Length is 0 or > MaxLength)
        {
            return $"it must be 1 to {MaxLength} characters long (got {id.Length})";
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return "only lower-case letters, digits and '-' are allowed";
            }
        }

        if (id[0] == '-' || id[^1] == '-')
        {
            return "it must start and end with a letter or digit";
        }

        return null;
    }
}
