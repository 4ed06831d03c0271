namespace Stagecraft.Storage;

/// <summary>
/// A byte range with HTTP semantics: <see cref="From"/> inclusive, <see cref="To"/> inclusive or open-ended.
/// A range starting at or past the end of the object is an <see cref="ArgumentOutOfRangeException"/>
/// from the store (HTTP 416); a range running past the end is truncated.
/// </summary>
public readonly record struct ByteRange
{
    public ByteRange(long from, long? to = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        if (to is { } end && end < from)
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, $"Range end {to} is before its start {from}.");
        }

        From = from;
        To = to;
    }

    public long From { get; }

    public long? To { get; }

    /// <summary>The HTTP Range header value, e.g. <c>bytes=0-99</c> or <c>bytes=100-</c>.</summary>
    public override string ToString() => To is { } end ? $"bytes={From}-{end}" : $"bytes={From}-";
}
