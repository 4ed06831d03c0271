using System.Runtime.CompilerServices;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Local.Tests.Runs;

/// <summary>A minimal in-memory store with generations and preconditions, for backend tests that need no files.</summary>
internal sealed class InMemoryObjectStorage : IObjectStorage
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, (byte[] Data, ObjectInfo Info)> _objects = new(StringComparer.Ordinal);
    private long _generation;

    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        lock (_lock)
        {
            var current = _objects.TryGetValue(key, out var existing) ? existing.Info.Generation : 0;
            if (options?.IfGenerationMatch is { } expected && expected != current)
            {
                throw new PreconditionFailedException(key, expected, current);
            }

            var info = new ObjectInfo(key, buffer.Length, ++_generation, DateTimeOffset.UtcNow, options?.ContentType, options?.Metadata ?? new Dictionary<string, string>(), null, null);
            _objects[key] = (buffer.ToArray(), info);
            return info;
        }
    }

    public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue(key, out var o))
            {
                throw new ObjectNotFoundException(key);
            }

            var from = options?.Range?.From ?? 0;
            if (from >= o.Data.Length && o.Data.Length > 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "Range starts past the end.");
            }

            var to = Math.Min(options?.Range?.To ?? (o.Data.Length - 1), o.Data.Length - 1);
            var slice = o.Data.Length == 0 ? [] : o.Data[(int)from..((int)to + 1)];
            return Task.FromResult(new ObjectReadResult(o.Info, new MemoryStream(slice, writable: false)));
        }
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_objects.TryGetValue(key, out var o) ? o.Info : null);
        }
    }

    public async IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ObjectInfo> infos;
        lock (_lock)
        {
            infos = [.. _objects.Values.Select(o => o.Info).Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal))];
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
            return Task.FromResult(_objects.Remove(key));
        }
    }

    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var read = await GetAsync(sourceKey, cancellationToken: cancellationToken);
        return await PutAsync(destinationKey, read.Content, new PutObjectOptions { ContentType = read.Info.ContentType, Metadata = read.Info.Metadata }, cancellationToken);
    }
}
