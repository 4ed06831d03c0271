namespace Stagecraft.Storage;

/// <summary>
/// Object storage with Cloud Storage semantics: every object has a generation that changes on every
/// write, and writes/deletes can be made conditional on it (compare-and-swap). All shared state in
/// Stagecraft (registry, aliases, warm pool, run status) is built on these preconditions.
/// </summary>
/// <remarks>Keys are validated by <see cref="ObjectKey"/>; a bad key is an <see cref="ArgumentException"/>.</remarks>
public interface IObjectStorage
{
    /// <summary>Writes an object. Throws <see cref="PreconditionFailedException"/> when <see cref="PutObjectOptions.IfGenerationMatch"/> does not hold.</summary>
    Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens an object for reading (optionally a byte range). Throws <see cref="ObjectNotFoundException"/> when it does not
    /// exist (whatever the precondition) and <see cref="PreconditionFailedException"/> when <see cref="GetObjectOptions.IfGenerationMatch"/>
    /// does not hold. The returned content is that of the returned <see cref="ObjectReadResult.Info"/>'s generation, even if
    /// the object is replaced while it is read.
    /// </summary>
    Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Returns the object's metadata, or <see langword="null"/> when it does not exist.</summary>
    Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists objects whose key starts with <paramref name="prefix"/> in lexicographic (ordinal UTF-8) order.
    /// With a delimiter, keys sharing a further prefix up to the delimiter are folded into one
    /// <see cref="ObjectListEntry.Prefix"/> entry. Paging happens underneath.
    /// </summary>
    IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes an object. Returns <see langword="false"/> when it did not exist (and no precondition, or
    /// <c>IfGenerationMatch = 0</c>, was given); throws <see cref="PreconditionFailedException"/> when
    /// <see cref="DeleteObjectOptions.IfGenerationMatch"/> does not hold (a non-zero expectation on a missing object
    /// fails with actual generation 0).
    /// </summary>
    Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Copies an object server-side. Throws <see cref="ObjectNotFoundException"/> when the source does not exist.</summary>
    Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default);
}
