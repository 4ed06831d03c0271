namespace Stagecraft.Runs;

/// <summary>
/// The one rule for environment variable names passed to runs: <c>^[A-Za-z_][A-Za-z0-9_]*$</c>. Backends that write
/// names into scripts rely on it (a seed interpolated an unchecked key into a shell command line).
/// </summary>
public static class EnvironmentVariableName
{
    /// <summary>The rule, as a regular expression, for messages and docs.</summary>
    public const string Pattern = "^[A-Za-z_][A-Za-z0-9_]*$";

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
