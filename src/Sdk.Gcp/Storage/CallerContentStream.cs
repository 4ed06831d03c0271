namespace Stagecraft.Gcp.Storage;

/// <summary>
/// The caller's upload content as Google's uploader sees it: starts at the caller's current position (a seekable
/// stream is presented from there, so a resumed upload can seek back within it), remembers the first failure of the
/// caller's own stream (an error to report, not a transport failure to retry), and is never disposed by the uploader.
/// </summary>
internal sealed class CallerContentStream(Stream inner) : Stream
{
    private readonly long _origin = inner.CanSeek ? inner.Position : 0;
    private int _peeked = -1;

    /// <summary>What the caller's stream threw, if it did.</summary>
    public Exception? Failure { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length - _origin;

    public override long Position
    {
        get => inner.Position - _origin;
        set => inner.Position = _origin + value;
    }

    /// <summary>True when the content has no bytes at all (a forward-only stream gives its first byte back on the next read).</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        if (inner.CanSeek)
        {
            return Length == 0;
        }

        var one = new byte[1];
        if (await ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
        {
            return true;
        }

        _peeked = one[0];
        return false;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (TakePeeked(buffer.AsSpan(offset, count)))
        {
            return 1;
        }

        try
        {
            return inner.Read(buffer, offset, count);
        }
        catch (Exception ex)
        {
            Failure ??= ex;
            throw;
        }
    }

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        await ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TakePeeked(buffer.Span))
        {
            return 1;
        }

        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Failure ??= ex;
            throw;
        }
    }

    private bool TakePeeked(Span<byte> buffer)
    {
        if (_peeked < 0 || buffer.IsEmpty)
        {
            return false;
        }

        buffer[0] = (byte)_peeked;
        _peeked = -1;
        return true;
    }

    public override long Seek(long offset, SeekOrigin origin) => origin switch
    {
        SeekOrigin.Begin => inner.Seek(_origin + offset, SeekOrigin.Begin) - _origin,
        _ => inner.Seek(offset, origin) - _origin,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("Upload content is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Upload content is read-only.");

    // The caller owns its stream: disposing this view leaves it open.
    protected override void Dispose(bool disposing) => base.Dispose(disposing);
}
