using System.Runtime.CompilerServices;

namespace Stagecraft.Storage;

/// <summary>
/// A view of another store under a fixed key prefix (e.g. the <c>team-a/</c> of <c>gs://bucket/team-a</c>): every key
/// given to it is relative to the prefix, every key it returns has the prefix removed, so code that builds keys
/// (<see cref="Runs.RunPaths"/>, the registry, the cache) works unchanged inside a shared bucket.
/// </summary>
public sealed class PrefixedObjectStorage : IObjectStorage
{
    private readonly IObjectStorage _inner;

    /// <param name="inner">The store to read and write through.</param>
    /// <param name="prefix">A valid key prefix; a trailing <c>/</c> is added when missing.</param>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not a valid key prefix.</exception>
    public PrefixedObjectStorage(IObjectStorage inner, string prefix)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var normalized = prefix.EndsWith('/') ? prefix : prefix + "/";
        ObjectKey.ValidatePrefix(normalized, nameof(prefix));
        _inner = inner;
        Prefix = normalized;
    }

    /// <summary>The prefix, ending with <c>/</c>.</summary>
    public string Prefix { get; }

    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Strip(await _inner.PutAsync(Full(key), content, options, cancellationToken).ConfigureAwait(false));

    public async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        var read = await _inner.GetAsync(Full(key), options, cancellationToken).ConfigureAwait(false);
        return new ObjectReadResult(Strip(read.Info), read.Content);
    }

    public async Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        await _inner.StatAsync(Full(key), cancellationToken).ConfigureAwait(false) is { } info ? Strip(info) : null;

    public async IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var entry in _inner.ListAsync(Prefix + prefix, options, cancellationToken).ConfigureAwait(false))
        {
            yield return entry.Prefix is { } folded
                ? ObjectListEntry.ForPrefix(folded[Prefix.Length..])
                : ObjectListEntry.ForObject(Strip(entry.Object!));
        }
    }

    public Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        _inner.DeleteAsync(Full(key), options, cancellationToken);

    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Strip(await _inner.CopyAsync(Full(sourceKey), Full(destinationKey), options, cancellationToken).ConfigureAwait(false));

    private string Full(string key) => Prefix + ObjectKey.Validate(key);

    private ObjectInfo Strip(ObjectInfo info) => info with { Key = info.Key[Prefix.Length..] };
}
