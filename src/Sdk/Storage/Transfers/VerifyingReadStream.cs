namespace Stagecraft.Storage.Transfers;

/// <summary>
/// Passes an object's content through and, at its end, checks the byte count and CRC32C against the object's
/// information, throwing instead of reporting the end when they differ. A consumer that commits only after
/// reading to the end (<see cref="IO.AtomicFile.WriteAsync"/>) therefore never commits a truncated or corrupted copy.
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, ObjectInfo expected) : Stream
{
    private readonly Crc32C _crc = new();

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("VerifyingReadStream is a forward-only, read-only stream.");

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException("VerifyingReadStream is a forward-only, read-only stream.");
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
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("VerifyingReadStream is a forward-only, read-only stream.");

    public override void SetLength(long value) => throw new NotSupportedException("VerifyingReadStream is a forward-only, read-only stream.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("VerifyingReadStream is a forward-only, read-only stream.");

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _crc.Append(buffer[..read]);
            BytesRead += read;
            return read;
        }

        if (BytesRead != expected.Size || (expected.Crc32c is { } crc && _crc.ToBase64() != crc))
        {
            throw new StorageException($"Download of '{expected.Key}' is corrupt: got {BytesRead} bytes with CRC32C {_crc.ToBase64()}, expected {expected.Size} bytes with CRC32C {expected.Crc32c ?? "(none)"}.");
        }

        return 0;
    }
}
