namespace Stagecraft.Sdk.Gcp.Tests.Storage;

/// <summary>A forward-only source (like a pipe or network stream), optionally reporting its position as it is read.</summary>
public sealed class NonSeekableStream(byte[] data, Action<long>? onPosition = null) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        // Deliberately short reads: real sources return less than asked.
        var n = (int)Math.Min(Math.Min(count, 50_000), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        onPosition?.Invoke(_position);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = (int)Math.Min(Math.Min(buffer.Length, 50_000), data.Length - _position);
        data.AsMemory((int)_position, n).CopyTo(buffer);
        _position += n;
        onPosition?.Invoke(_position);
        return ValueTask.FromResult(n);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
