namespace Stagecraft.IO;

/// <summary>
/// Passes content through, shows every byte to a check, and at the end lets the check throw instead of reporting the
/// end. A consumer that commits only after reading to the end (an upload, <see cref="AtomicFile.WriteAsync"/>) therefore
/// never commits bytes that differ from what was expected. Forward-only and read-only; disposing it disposes the content.
/// </summary>
internal abstract class CheckedReadStream(Stream inner) : Stream
{
    private bool _verified;

    /// <summary>How many bytes have passed through so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw NotSupported();

    public override long Position
    {
        get => BytesRead;
        set => throw NotSupported();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Account(buffer, inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Account(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        // Read-only: nothing is ever buffered for writing.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw NotSupported();

    public override void SetLength(long value) => throw NotSupported();

    public override void Write(byte[] buffer, int offset, int count) => throw NotSupported();

    /// <summary>Adds bytes that just passed through to the running check.</summary>
    protected abstract void Append(ReadOnlySpan<byte> data);

    /// <summary>Called once, at the end of the content: throws when the <paramref name="bytesRead"/> bytes are not what was expected.</summary>
    protected abstract void Verify(long bytesRead);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            Append(buffer[..read]);
            BytesRead += read;
            return read;
        }

        // A zero-length read asked for nothing and says nothing about the end.
        if (!_verified && buffer.Length > 0)
        {
            _verified = true;
            Verify(BytesRead);
        }

        return 0;
    }

    private NotSupportedException NotSupported() => new($"{GetType().Name} is a forward-only, read-only stream.");
}
