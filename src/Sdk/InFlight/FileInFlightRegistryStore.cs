using System.Text.Json;
using Stagecraft.IO;
using Stagecraft.Locking;

namespace Stagecraft.InFlight;

/// <summary>
/// The registry as one JSON file, replaced atomically (<see cref="AtomicFile"/>) under a cross-process lock
/// (<see cref="FileLock"/> on a sibling <c>.lock</c> file). Readers never see a partial document; writers never lose
/// each other's updates; a writer killed mid-way leaves the previous document.
/// </summary>
public sealed class FileInFlightRegistryStore : IInFlightRegistryStore
{
    private readonly AtomicWriteOptions _writeOptions;

    /// <param name="path">The registry file; its directory is created when missing.</param>
    /// <param name="durability">How much a write survives a power loss; the default fsyncs the file and its directory.</param>
    public FileInFlightRegistryStore(string path, Durability durability = Durability.FileAndDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        LockPath = Path + ".lock";
        _writeOptions = new AtomicWriteOptions { Durability = durability };
    }

    /// <summary>The registry file.</summary>
    public string Path { get; }

    /// <summary>The lock file serialising writers (never deleted; see <see cref="FileLock"/>).</summary>
    public string LockPath { get; }

    public async Task<InFlightRegistryDocument> ReadAsync(CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return InFlightRegistryDocument.Empty;
        }
        catch (DirectoryNotFoundException)
        {
            return InFlightRegistryDocument.Empty;
        }

        return Parse(bytes);
    }

    public async Task<InFlightRegistryDocument> UpdateAsync(Func<InFlightRegistryDocument, InFlightRegistryDocument> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var handle = await FileLock.AcquireAsync(LockPath, cancellationToken).ConfigureAwait(false);
        await using (handle.ConfigureAwait(false))
        {
            var next = update(await ReadAsync(cancellationToken).ConfigureAwait(false));
            ArgumentNullException.ThrowIfNull(next, "update(...)");
            var bytes = JsonSerializer.SerializeToUtf8Bytes(next with { Version = InFlightRegistryDocument.CurrentVersion }, InFlightJsonContext.Default.InFlightRegistryDocument);
            await AtomicFile.WriteAllBytesAsync(Path, bytes, _writeOptions, cancellationToken).ConfigureAwait(false);
            return next;
        }
    }

    private InFlightRegistryDocument Parse(byte[] bytes)
    {
        InFlightRegistryDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(bytes, InFlightJsonContext.Default.InFlightRegistryDocument);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The in-flight registry '{Path}' is not a registry document: {ex.Message}", ex);
        }

        if (doc is null || doc.Version is < InFlightRegistryDocument.OldestReadableVersion or > InFlightRegistryDocument.CurrentVersion)
        {
            throw new InvalidDataException($"The in-flight registry '{Path}' has unsupported version {doc?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} (expected {InFlightRegistryDocument.OldestReadableVersion} to {InFlightRegistryDocument.CurrentVersion}).");
        }

        return doc;
    }
}
