using Stagecraft.Gcp.Compute;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Bundles;

/// <summary>Stores a packed bundle under its content key (<c>bundles/{sha256}.tar.gz</c>), once.</summary>
public static class AppBundleUploader
{
    /// <summary>The content type of bundle objects.</summary>
    public const string ContentType = "application/gzip";

    /// <summary>
    /// Uploads <paramref name="archivePath"/> as <see cref="AppBundle.ForDigest"/> of <paramref name="sha256"/> unless
    /// that object exists. The write is create-only, so two coordinators uploading the same bundle at once store it once
    /// and neither fails. Returns whether this call stored it.
    /// </summary>
    /// <exception cref="AppBundleException">The file's SHA-256 is not <paramref name="sha256"/> (it changed after packing).</exception>
    public static async Task<bool> UploadAsync(IObjectStorage storage, string archivePath, string sha256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        var bundle = AppBundle.ForDigest(sha256);
        if (await storage.StatAsync(bundle.Key, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        var content = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        await using (content.ConfigureAwait(false))
        {
            var actual = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
            if (actual != sha256)
            {
                throw new AppBundleException($"The bundle archive '{archivePath}' has SHA-256 {actual}, not {sha256}: it changed after it was packed, and a VM would refuse it.");
            }

            content.Position = 0;
            try
            {
                await storage.PutAsync(bundle.Key, content, new PutObjectOptions { IfGenerationMatch = 0, ContentType = ContentType }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PreconditionFailedException)
            {
                // Another coordinator stored the same bytes under the same content key first: nothing is left to do.
                return false;
            }
        }
    }
}
