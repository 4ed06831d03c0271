using System.Runtime.CompilerServices;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Registry;

/// <summary>
/// A thread-safe in-memory <see cref="IObjectStorage"/> with Cloud Storage generation semantics, for registry unit tests,
/// plus a fault hook (<see cref="Fault"/>) to make chosen operations fail. Cross-process tests use the local adapter.
/// </summary>
internal sealed class InMemoryObjectStorage : IObjectStorage
{
    private readonly Dictionary<string, (byte[] Content, ObjectInfo Info)> _objects = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _nextGeneration = 1000;

    /// <summary>Called before each operation with (operation, key); return an exception to make it fail.</summary>
    public Func<string, string, Exception?>? Fault { get; set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _objects.Count;
            }
        }
    }

    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ThrowIfFaulted("put", key);
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        lock (_gate)
        {
            var exists = _objects.TryGetValue(key, out var existing);
            var actual = exists ? existing.Info.Generation : 0;
            if (options?.IfGenerationMatch is { } expected && expected != actual)
            {
                throw new PreconditionFailedException(key, expected, actual);
            }

            var info = new ObjectInfo(key, buffer.Length, ++_nextGeneration, DateTimeOffset.UtcNow, options?.ContentType, options?.Metadata ?? new Dictionary<string, string>(), null, null);
            _objects[key] = (buffer.ToArray(), info);
            return info;
        }
    }

    public Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ThrowIfFaulted("get", key);
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var obj))
            {
                throw new ObjectNotFoundException(key);
            }

            if (options?.IfGenerationMatch is { } expected && expected != obj.Info.Generation)
            {
                throw new PreconditionFailedException(key, expected, obj.Info.Generation);
            }

            var content = obj.Content;
            if (options?.Range is { } range)
            {
                if (range.From >= content.Length)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), range, "Range starts past the end of the object.");
                }

                var end = Math.Min(range.To ?? long.MaxValue, content.Length - 1);
                content = content[(int)range.From..((int)end + 1)];
            }

            return Task.FromResult(new ObjectReadResult(obj.Info, new MemoryStream(content, writable: false)));
        }
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ThrowIfFaulted("stat", key);
        lock (_gate)
        {
            return Task.FromResult(_objects.TryGetValue(key, out var obj) ? obj.Info : null);
        }
    }

    public async IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectKey.ValidatePrefix(prefix);
        ThrowIfFaulted("list", prefix);
        List<ObjectInfo> matches;
        lock (_gate)
        {
            matches = [.. _objects.Values.Select(o => o.Info).Where(i => i.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(i => i.Key, StringComparer.Ordinal)];
        }

        var seenPrefixes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options?.Delimiter is { Length: > 0 } delimiter)
            {
                var at = info.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var folded = info.Key[..(at + delimiter.Length)];
                    if (seenPrefixes.Add(folded))
                    {
                        yield return ObjectListEntry.ForPrefix(folded);
                    }

                    continue;
                }
            }

            yield return ObjectListEntry.ForObject(info);
        }

        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ThrowIfFaulted("delete", key);
        lock (_gate)
        {
            var exists = _objects.TryGetValue(key, out var obj);
            if (options?.IfGenerationMatch is { } expected && expected != (exists ? obj.Info.Generation : 0))
            {
                throw new PreconditionFailedException(key, expected, exists ? obj.Info.Generation : 0);
            }

            return Task.FromResult(_objects.Remove(key));
        }
    }

    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        byte[] content;
        ObjectInfo source;
        lock (_gate)
        {
            if (!_objects.TryGetValue(ObjectKey.Validate(sourceKey, nameof(sourceKey)), out var obj))
            {
                throw new ObjectNotFoundException(sourceKey);
            }

            if (options?.IfSourceGenerationMatch is { } expected && expected != obj.Info.Generation)
            {
                throw new PreconditionFailedException(sourceKey, expected, obj.Info.Generation);
            }

            (content, source) = obj;
        }

        using var stream = new MemoryStream(content);
        return await PutAsync(destinationKey, stream, new PutObjectOptions { IfGenerationMatch = options?.IfGenerationMatch, ContentType = source.ContentType, Metadata = source.Metadata }, cancellationToken);
    }

    /// <summary>Overwrites an object unconditionally (to simulate corruption or a foreign writer).</summary>
    public void Poke(string key, byte[] content)
    {
        lock (_gate)
        {
            _objects[key] = (content, new ObjectInfo(key, content.Length, ++_nextGeneration, DateTimeOffset.UtcNow, null, new Dictionary<string, string>(), null, null));
        }
    }

    public bool Remove(string key)
    {
        lock (_gate)
        {
            return _objects.Remove(key);
        }
    }

    private void ThrowIfFaulted(string operation, string key)
    {
        if (Fault?.Invoke(operation, key) is { } ex)
        {
            throw ex;
        }
    }
}
