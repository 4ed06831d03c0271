namespace Stagecraft.Snapshots;

/// <summary>
/// Reads at most <see cref="Limit"/> bytes from a decompressing stream, checksumming them as they pass. A read that
/// would pass the limit throws before asking the inner stream for the bytes, so decompression never runs ahead of the cap.
/// </summary>
internal sealed class BoundedReadStream(Stream inner, long limit, Func<long, long, Exception> overLimit) : Stream
{
    private readonly Storage.Crc32C _crc = new();

    public long Limit { get; } = limit;

    public long Consumed { get; private set; }

    public long Remaining => Limit - Consumed;

    public uint Crc32C => _crc.Value;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("BoundedReadStream is a forward-only, read-only stream.");

    public override long Position
    {
        get => Consumed;
        set => throw new NotSupportedException("BoundedReadStream is a forward-only, read-only stream.");
    }

    /// <summary>Throws the over-limit error when <paramref name="count"/> more bytes would pass the limit.</summary>
    public void EnsureCanRead(long count)
    {
        if (count > Remaining)
        {
            throw overLimit(Limit, Consumed + count);
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes (within the limit) or throws <see cref="EndOfStreamException"/>.</summary>
    public void ReadExactlyBounded(Span<byte> buffer)
    {
        EnsureCanRead(buffer.Length);
        inner.ReadExactly(buffer);
        _crc.Append(buffer);
        Consumed += buffer.Length;
    }

    /// <summary>True when the inner stream has no more data (reads one byte past the payload to find out).</summary>
    public bool AtEnd()
    {
        Span<byte> one = stackalloc byte[1];
        return inner.Read(one) == 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        if (Remaining <= 0)
        {
            // Only report over-limit if data really continues.
            return AtEnd() ? 0 : throw overLimit(Limit, Consumed + 1);
        }

        var slice = buffer.Length > Remaining ? buffer[..(int)Remaining] : buffer;
        var n = inner.Read(slice);
        _crc.Append(slice[..n]);
        Consumed += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("BoundedReadStream is a forward-only, read-only stream.");

    public override void SetLength(long value) => throw new NotSupportedException("BoundedReadStream is a forward-only, read-only stream.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("BoundedReadStream is a forward-only, read-only stream.");
}
