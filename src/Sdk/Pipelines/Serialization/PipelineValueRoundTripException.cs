namespace Stagecraft.Pipelines;

/// <summary>
/// A stage output or pipeline input would not come back from storage as it was: serialised, read back and serialised
/// again it gives a different document, or it has state the serializer does not write. Nothing of it was stored or
/// cached, since a cache keyed on an incomplete document would hand back stale results.
/// </summary>
public sealed class PipelineValueRoundTripException : PipelineException
{
    public PipelineValueRoundTripException()
    {
    }

    public PipelineValueRoundTripException(string message)
        : base(message)
    {
    }

    public PipelineValueRoundTripException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="subject">What the value is, e.g. "the output of stage 'Train'" or "pipeline input 'options'".</param>
    /// <param name="valueType">The declared type it is serialised as.</param>
    /// <param name="memberPath">The JSON path of the first member that did not survive (<c>$</c> for the whole value).</param>
    /// <param name="problem">What happened to that member, as a clause.</param>
    /// <param name="innerException">The serializer's error, when reading back threw.</param>
    public PipelineValueRoundTripException(string subject, Type valueType, string memberPath, string problem, Exception? innerException)
        : base(
            $"{Capitalise(subject)} does not survive a JSON round trip as {valueType?.FullName}: {problem} (at {memberPath}). "
            + "Stored values must serialise, deserialise and serialise again to the same document: use a record or a class with public "
            + "settable properties or fields (or a constructor taking them), or return a signal type (file, directory, csv, npy) for data "
            + "that is not JSON, or set PipelineRunnerOptions.JsonSerializerOptions with converters for this type.",
            innerException)
    {
        Subject = subject;
        ValueType = valueType;
        MemberPath = memberPath;
    }

    /// <summary>What the value is (a stage's output or a pipeline input), in words.</summary>
    public string? Subject { get; }

    /// <summary>The declared type the value is serialised as.</summary>
    public Type? ValueType { get; }

    /// <summary>The JSON path of the first member that did not survive, e.g. <c>$.Weights[2]</c>.</summary>
    public string? MemberPath { get; }

    private static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
