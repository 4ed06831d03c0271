namespace Stagecraft.Testing.Contracts;

/// <summary>
/// A forward-only stream over bytes, delivering at most <paramref name="chunk"/> bytes per read, like a network
/// body: stores must not rely on Length, Seek or full reads. Optionally fails after <paramref name="failAfter"/> bytes,
/// and reports its position after every read to <paramref name="onPosition"/> (to act at a chosen point of an upload).
/// </summary>
public sealed class NonSeekableStream(byte[] data, int chunk = 7919, long? failAfter = null, Action<long>? onPosition = null) : ForwardOnlyStream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAfter is { } limit && _position >= limit)
        {
            throw new IOException($"Simulated failure after {limit} bytes.");
        }

        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        if (failAfter is { } cap)
        {
            n = (int)Math.Min(n, Math.Max(cap - _position, 0));
        }

        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        onPosition?.Invoke(_position);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
