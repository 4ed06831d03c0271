using System.Globalization;
using Stagecraft.Storage;

namespace Stagecraft.Local.Runs;

/// <summary>
/// Copies a local log file to its storage object, only ever making it longer: the stored length travels in metadata and
/// every write is conditional on the generation read, so a slow shipper can never replace newer content with older.
/// </summary>
internal static class LogShipper
{
    public const string LengthMetadataKey = "stagecraft-log-bytes";

    /// <summary>Ships the file if it is longer than what is stored. Returns false if another writer won the race (try again later).</summary>
    public static async Task<bool> ShipAsync(IObjectStorage storage, string localPath, string key, CancellationToken cancellationToken)
    {
        var content = await ReadSharedAsync(localPath, cancellationToken).ConfigureAwait(false);
        var stored = await storage.StatAsync(key, cancellationToken).ConfigureAwait(false);
        if (stored is not null && StoredLength(stored) >= content.Length)
        {
            return true;
        }

        try
        {
            using var stream = new MemoryStream(content, writable: false);
            await storage.PutAsync(
                key,
                stream,
                new PutObjectOptions
                {
                    IfGenerationMatch = stored?.Generation ?? 0,
                    ContentType = "text/plain; charset=utf-8",
                    Metadata = new Dictionary<string, string> { [LengthMetadataKey] = content.Length.ToString(CultureInfo.InvariantCulture) },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }

    /// <summary>Ships until what is stored is at least as long as the file (used before publishing the exit code).</summary>
    public static async Task ShipFinalAsync(IObjectStorage storage, string localPath, string key, CancellationToken cancellationToken)
    {
        for (var attempt = 0; !await ShipAsync(storage, localPath, key, cancellationToken).ConfigureAwait(false); attempt++)
        {
            if (attempt >= 50)
            {
                throw new StorageException($"Could not ship '{localPath}' to '{key}': other writers kept winning.");
            }
        }
    }

    private static long StoredLength(ObjectInfo info) =>
        info.Metadata.TryGetValue(LengthMetadataKey, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : info.Size;

    private static async Task<byte[]> ReadSharedAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            // The supervisor's command is still appending: share read/write and take what is there now.
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (DirectoryNotFoundException)
        {
            return [];
        }
    }
}
