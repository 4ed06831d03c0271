using Stagecraft.Storage;

namespace Stagecraft.Testing.Contracts;

/// <summary>Passes every call to an inner store; tests override single operations to observe or break them.</summary>
public abstract class ObjectStorageDecorator(IObjectStorage inner) : IObjectStorage
{
    protected IObjectStorage Inner { get; } = inner;

    public virtual Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Inner.PutAsync(key, content, options, cancellationToken);

    public virtual Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Inner.GetAsync(key, options, cancellationToken);

    public virtual Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        Inner.StatAsync(key, cancellationToken);

    public virtual IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default) =>
        Inner.ListAsync(prefix, options, cancellationToken);

    public virtual Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Inner.DeleteAsync(key, options, cancellationToken);

    public virtual Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default) =>
        Inner.CopyAsync(sourceKey, destinationKey, options, cancellationToken);
}
