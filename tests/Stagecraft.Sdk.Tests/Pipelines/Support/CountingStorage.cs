using System.Collections.Concurrent;
using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>Counts the objects and bytes written through it, by key, so a test can tell what a run stored.</summary>
internal sealed class CountingStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
{
    private readonly ConcurrentQueue<(string Key, long Size)> _writes = new();

    /// <summary>Every successful write since the last <see cref="Reset"/>: key and bytes.</summary>
    public IReadOnlyList<(string Key, long Size)> Writes => [.. _writes];

    public void Reset() => _writes.Clear();

    public override async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        var info = await base.PutAsync(key, content, options, cancellationToken);
        _writes.Enqueue((key, info.Size));
        return info;
    }

    public override async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        var info = await base.CopyAsync(sourceKey, destinationKey, options, cancellationToken);
        _writes.Enqueue((destinationKey, info.Size));
        return info;
    }
}
