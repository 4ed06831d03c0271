namespace Stagecraft.Runs;

/// <summary>
/// Serialized <see cref="RunHandle"/> text is malformed or carries a value that breaks a rule. Handles are read back from
/// files and databases that someone may have edited, so nothing in one is trusted until validated.
/// </summary>
public sealed class InvalidRunHandleException : FormatException
{
    public InvalidRunHandleException()
    {
    }

    public InvalidRunHandleException(string message)
        : base(message)
    {
    }

    public InvalidRunHandleException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public InvalidRunHandleException(string field, string? value, string rule, Exception? innerException = null)
        : base($"Invalid run handle: {field} '{InvalidRunSpecException.Escape(value)}' {rule}", innerException)
    {
        Field = field;
        Value = value;
    }

    /// <summary>The handle field that broke a rule, or null when the text is not a handle at all.</summary>
    public string? Field { get; }

    public string? Value { get; }
}
