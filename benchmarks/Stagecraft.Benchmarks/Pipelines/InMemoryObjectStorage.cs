using System.Runtime.CompilerServices;
using Stagecraft.Storage;

namespace Stagecraft.Benchmarks.Pipelines;

/// <summary>
/// A thread-safe in-memory <see cref="IObjectStorage"/> with generations and preconditions, so the runner benchmark
/// measures the runner rather than the disk (the <c>local</c> case measures both).

/// </summary>
internal sealed class InMemoryObjectStorage : IObjectStorage
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, (byte[] Data, ObjectInfo Info)> _objects = new(StringComparer.Ordinal);
    private long _nextGeneration = 1;

    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var data = buffer.ToArray();
        lock (_lock)
        {
            var current = _objects.TryGetValue(key, out var existing) ? existing.Info.Generation : 0;
            if (options?.IfGenerationMatch is { } expected && expected != current)
            {
                throw new PreconditionFailedException(key, expected, current);
            }

            var info = new ObjectInfo(key, data.Length, _nextGeneration++, DateTimeOffset.UtcNow, options?.ContentType, options?.Metadata ?? new Dictionary<string, string>(), null, null);
            _objects[key] = (data, info);
            return info;
        }
    }

    public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var entry))
            {
                throw new ObjectNotFoundException(key);
            }

            if (options?.IfGenerationMatch is { } expected && expected != entry.Info.Generation)
            {
                throw new PreconditionFailedException(key, expected, entry.Info.Generation);
            }

            return Task.FromResult(new ObjectReadResult(entry.Info, new MemoryStream(entry.Data, writable: false)));
        }
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_objects.TryGetValue(key, out var entry) ? entry.Info : null);
        }
    }

    public async IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ObjectInfo> infos;
        lock (_lock)
        {
            infos = [.. _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(o => o.Value.Info)];
        }

        foreach (var info in infos)
        {
            await Task.Yield();
            yield return ObjectListEntry.ForObject(info);
        }
    }

    public Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var current = _objects.TryGetValue(key, out var existing) ? existing.Info.Generation : 0;
            if (options?.IfGenerationMatch is { } expected && expected != current)
            {
                throw new PreconditionFailedException(key, expected, current);
            }

            return Task.FromResult(_objects.Remove(key));
        }
    }

    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        byte[] data;
        lock (_lock)
        {
            data = _objects.TryGetValue(sourceKey, out var entry) ? entry.Data : throw new ObjectNotFoundException(sourceKey);
        }

        using var stream = new MemoryStream(data);
        return await PutAsync(destinationKey, stream, new PutObjectOptions { IfGenerationMatch = options?.IfGenerationMatch }, cancellationToken);
    }
}
