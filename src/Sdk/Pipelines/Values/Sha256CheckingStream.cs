using System.Security.Cryptography;

namespace Stagecraft.Pipelines;

/// <summary>
/// Passes content through while hashing it and, at its end, throws <see cref="ContentIntegrityException"/> instead of
/// reporting the end when the bytes are not the expected size and SHA-256. A consumer that commits only after reading
/// to the end (an upload, a download into a file) therefore never commits bytes that differ from their content key.
/// </summary>
internal sealed class Sha256CheckingStream(Stream inner, string expectedSha256, long expectedSize, string description) : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _checked;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => expectedSize;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException("Sha256CheckingStream is a forward-only, read-only stream.");
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

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Sha256CheckingStream is a forward-only, read-only stream.");

    public override void SetLength(long value) => throw new NotSupportedException("Sha256CheckingStream is a forward-only, read-only stream.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Sha256CheckingStream is a forward-only, read-only stream.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            _sha.AppendData(buffer[..read]);
            _read += read;
            return read;
        }

        if (!_checked && buffer.Length > 0)
        {
            _checked = true;
            var actual = Convert.ToHexStringLower(_sha.GetHashAndReset());
            if (_read != expectedSize || actual != expectedSha256)
            {
                throw new ContentIntegrityException(
                    $"{description} has {_read} bytes with SHA-256 {actual}, but {expectedSize} bytes with SHA-256 {expectedSha256} were expected; the bytes changed, so they are neither stored nor used.");
            }
        }

        return 0;
    }
}
