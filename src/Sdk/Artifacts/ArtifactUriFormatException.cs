namespace Stagecraft.Artifacts;

/// <summary>
/// A string is not a valid <see cref="ArtifactUri"/>. <see cref="Text"/> is the offending input and
/// <see cref="Reason"/> the rule it broke, so a log line says exactly what was wrong.
/// </summary>
public sealed class ArtifactUriFormatException : FormatException
{
    public ArtifactUriFormatException()
    {
    }

    public ArtifactUriFormatException(string message)
        : base(message)
    {
    }

    public ArtifactUriFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="text">The text that failed to parse.</param>
    /// <param name="reason">Which rule it broke, as a sentence fragment.</param>
    /// <param name="innerException">The validator's exception, when one rule is owned by another type.</param>
    public ArtifactUriFormatException(string text, string reason, Exception? innerException = null)
        : base($"'{ArtifactUriEncoding.Printable(text)}' is not a valid artefact URI: {reason}. Expected {ArtifactUri.ExpectedForms}.", innerException)
    {
        Text = text;
        Reason = reason;
    }

    /// <summary>The text that failed to parse.</summary>
    public string? Text { get; }

    /// <summary>The rule the text broke.</summary>
    public string? Reason { get; }
}
