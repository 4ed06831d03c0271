namespace Stagecraft.Storage;

/// <summary>An open object: its metadata and a stream over its content (or the requested range). Dispose it.</summary>
public sealed class ObjectReadResult(ObjectInfo info, Stream content) : IAsyncDisposable, IDisposable
{
    public ObjectInfo Info { get; } = info;

    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}
