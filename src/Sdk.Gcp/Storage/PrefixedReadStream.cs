namespace Stagecraft.Gcp.Storage;

/// <summary>Reads an already-buffered head, then the rest of the caller's stream (which it does not own).</summary>
internal sealed class PrefixedReadStream(ReadOnlyMemory<byte> head, Stream tail) : Stream
{
    private ReadOnlyMemory<byte> _head = head;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("The stream is forward-only.");

    public override long Position
    {
        get => throw new NotSupportedException("The stream is forward-only.");
        set => throw new NotSupportedException("The stream is forward-only.");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_head.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _head.Length);
            _head[..n].CopyTo(buffer);
            _head = _head[n..];
            return n;
        }

        return await tail.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_head.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _head.Length);
            _head.Span[..n].CopyTo(buffer);
            _head = _head[n..];
            return n;
        }

        return tail.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The stream is forward-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The stream is read-only.");
}
