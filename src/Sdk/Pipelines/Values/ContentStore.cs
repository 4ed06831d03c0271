using System.Security.Cryptography;
using Stagecraft.Fingerprinting;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Content-addressed storage of the bytes behind stage outputs and pipeline inputs: each distinct content is one
/// immutable object at <see cref="PipelinePaths.Content"/>, shared by every run and pipeline of the store. Storing
/// content that is already there costs one hash pass and one stat, and writes nothing.
/// </summary>
internal sealed class ContentStore(IObjectStorage storage)
{
    private const string OctetStream = "application/octet-stream";

    /// <summary>Stores the file's bytes (unless already stored) and returns the reference.</summary>
    /// <param name="path">The file.</param>
    /// <param name="relativePath">Where the file sits in the stored value.</param>
    /// <param name="knownDigest">
    /// The file's digest when the caller's own walk of the tree hashed it in the same operation (the directory walker of
    /// <see cref="TreeFingerprint"/>): then the file is not read a second time just to hash it. The reference then
    /// describes the file as that walk saw it — the same bytes the value's fingerprint is made of, so the two agree — and
    /// hashing again would not make it safer, since the file may change right after any pass. What must never happen, bytes
    /// stored under another content's key, is still excluded: an upload hashes what it copies and fails when the bytes
    /// are no longer the digest's.
    /// </param>
    /// <param name="cancellationToken">Cancels the hashing or the upload.</param>
    /// <exception cref="ContentIntegrityException">The file changed between hashing and uploading it.</exception>
    public async Task<StoredObject> PutFileAsync(string path, string relativePath, ContentDigest? knownDigest, CancellationToken cancellationToken)
    {
        var (sha256, size) = knownDigest ?? await HashFileAsync(path, cancellationToken).ConfigureAwait(false);
        var key = PipelinePaths.Content(sha256);
        var (existing, damaged) = await TryReferenceExistingAsync(key, sha256, size, relativePath, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        // Hashed again while uploading: a file rewritten after the first pass fails the upload rather than
        // storing bytes under another content's key.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var checking = new Sha256CheckingStream(file, sha256, size, $"File '{path}'");
        await using (checking.ConfigureAwait(false))
        {
            return await UploadAsync(key, checking, sha256, size, OctetStream, relativePath, damaged, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ContentDigest> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var (sha256, size) = await FileContentHash.ComputeAsync(path, cancellationToken).ConfigureAwait(false);
        return new ContentDigest(sha256, size);
    }

    /// <summary>Stores <paramref name="bytes"/> (unless already stored) and returns the reference.</summary>
    public async Task<StoredObject> PutBytesAsync(byte[] bytes, string contentType, string relativePath, CancellationToken cancellationToken)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var key = PipelinePaths.Content(sha256);
        var (existing, damaged) = await TryReferenceExistingAsync(key, sha256, bytes.Length, relativePath, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return existing;
        }

        using var content = new MemoryStream(bytes, writable: false);
        return await UploadAsync(key, content, sha256, bytes.Length, contentType, relativePath, damaged, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a referenced object pinned to its recorded generation, hashing what is read: reading to the end throws
    /// <see cref="ContentIntegrityException"/> when the bytes are not the referenced ones.
    /// </summary>
    /// <exception cref="ObjectNotFoundException">The content is gone.</exception>
    /// <exception cref="PreconditionFailedException">The content was removed and stored again since the reference was made.</exception>
    public async Task<Stream> OpenReadAsync(StoredObject reference, CancellationToken cancellationToken)
    {
        var read = await storage.GetAsync(reference.Key, new GetObjectOptions { IfGenerationMatch = reference.Generation }, cancellationToken).ConfigureAwait(false);
        return reference.Sha256 is null
            ? read.Content
            : new Sha256CheckingStream(read.Content, reference.Sha256, reference.Size, $"Content object '{reference.Key}'");
    }

    /// <summary>Uploads to the content key: to a free key, or over the damaged object of generation <c>damagedGeneration</c> if it is still there.</summary>
    private async Task<StoredObject> UploadAsync(string key, Stream content, string sha256, long size, string contentType, string relativePath, long? damagedGeneration, CancellationToken cancellationToken)
    {
        try
        {
            var info = await storage.PutAsync(
                key,
                content,
                new PutObjectOptions { IfGenerationMatch = damagedGeneration ?? 0, ContentType = contentType, Metadata = new Dictionary<string, string> { ["sha256"] = sha256 } },
                cancellationToken).ConfigureAwait(false);
            return new StoredObject(key, relativePath, info.Size, info.Generation, sha256);
        }
        catch (PreconditionFailedException)
        {
            // Another writer stored the same content meanwhile; theirs is byte-identical.
            return (await TryReferenceExistingAsync(key, sha256, size, relativePath, cancellationToken).ConfigureAwait(false)).Existing
                ?? throw new ContentIntegrityException($"Content object '{key}' was created by another writer and removed again while this one stored it; store the value again.");
        }
    }

    /// <summary>
    /// A reference to the object already stored at <paramref name="key"/>; or, when the object there has the wrong
    /// size (someone wrote other bytes under the key), its generation so the caller replaces it with the right bytes.
    /// </summary>
    private async Task<(StoredObject? Existing, long? DamagedGeneration)> TryReferenceExistingAsync(string key, string sha256, long size, string relativePath, CancellationToken cancellationToken)
    {
        var info = await storage.StatAsync(key, cancellationToken).ConfigureAwait(false);
        return info is null ? (null, null)
            : info.Size == size ? (new StoredObject(key, relativePath, info.Size, info.Generation, sha256), null)
            : (null, info.Generation);
    }
}
