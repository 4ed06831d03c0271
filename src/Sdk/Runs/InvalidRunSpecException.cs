namespace Stagecraft.Runs;

/// <summary>A <see cref="RunSpec"/> field broke a rule. <see cref="Field"/> names it, <see cref="Value"/> shows what was given.</summary>
public sealed class InvalidRunSpecException : ArgumentException
{
    public InvalidRunSpecException()
    {
    }

    public InvalidRunSpecException(string message)
        : base(message)
    {
    }

    public InvalidRunSpecException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="field">The <see cref="RunSpec"/> property, e.g. <c>Environment</c> or <c>Labels[team]</c>.</param>
    /// <param name="value">The offending value (shown with control characters escaped).</param>
    /// <param name="rule">The rule it broke.</param>
    /// <param name="innerException">The validator's own exception, if any.</param>
    public InvalidRunSpecException(string field, string? value, string rule, Exception? innerException = null)
        : base($"Invalid run spec: {field} '{Escape(value)}' {rule}", field, innerException)
    {
        Field = field;
        Value = value;
    }

    /// <summary>The property that broke a rule (with the key for dictionary entries, e.g. <c>Environment[PATH]</c>).</summary>
    public string? Field { get; }

    /// <summary>The value given.</summary>
    public string? Value { get; }

    internal static string Escape(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = value.Length > 200 ? value[..200] + "..." : value;
        return string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }
}
