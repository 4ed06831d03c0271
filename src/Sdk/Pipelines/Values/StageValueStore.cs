using System.Collections.Immutable;
using System.Text.Json;
using Stagecraft.Fingerprinting;
using Stagecraft.Signals;
using Stagecraft.Storage;

namespace Stagecraft.Pipelines;

/// <summary>
/// Persists stage outputs and pipeline inputs to object storage (JSON for user types, files for signals) as
/// references to content-addressed objects (<see cref="ContentStore"/>), fingerprints their content, checks that the
/// referenced objects are still there, and materialises them again.
/// </summary>
internal sealed class StageValueStore(IObjectStorage storage, JsonSerializerOptions jsonOptions)
{
    private const string JsonFileName = "value.json";

    private readonly ContentStore _content = new(storage);

    /// <summary>Stores <paramref name="value"/>'s content (what is already stored is only referenced) and describes it.</summary>
    public async Task<StoredValue> StoreAsync(object? value, Type declaredType, CancellationToken cancellationToken)
    {
        if (value is Signal signal)
        {
            return await StoreSignalAsync(signal, cancellationToken).ConfigureAwait(false);
        }

        return await StoreJsonAsync(SerializeJson(value, declaredType), declaredType, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The JSON bytes that <see cref="StoreAsync"/> stores for a non-signal value.</summary>
    public byte[] SerializeJson(object? value, Type declaredType) => JsonSerializer.SerializeToUtf8Bytes(value, declaredType, jsonOptions);

    /// <summary>Stores JSON bytes produced by <see cref="SerializeJson"/>.</summary>
    public async Task<StoredValue> StoreJsonAsync(byte[] bytes, Type declaredType, CancellationToken cancellationToken)
    {
        string fingerprint;
        using (var builder = new FingerprintBuilder())
        {
            fingerprint = builder.Add("format", StoredValue.JsonFormat).Add("content", bytes).Finish();
        }

        var stored = await _content.PutBytesAsync(bytes, "application/json", JsonFileName, cancellationToken).ConfigureAwait(false);
        return new StoredValue
        {
            Format = StoredValue.JsonFormat,
            Type = TypeName(declaredType),
            Fingerprint = fingerprint,
            RootPath = JsonFileName,
            Objects = [stored],
        };
    }

    /// <summary>True when every referenced object of <paramref name="stored"/> still exists with the recorded generation and size.</summary>
    public async Task<bool> IsIntactAsync(StoredValue stored, CancellationToken cancellationToken)
    {
        foreach (var obj in stored.Objects)
        {
            var info = await storage.StatAsync(obj.Key, cancellationToken).ConfigureAwait(false);
            if (info is null || info.Generation != obj.Generation || info.Size != obj.Size)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads a stored value back: JSON is deserialised as <paramref name="declaredType"/>; signal files are downloaded
    /// under <paramref name="localDirectory"/>. Every read is pinned to the recorded generation and checked against the
    /// recorded SHA-256, so a replaced or damaged object fails (<see cref="PreconditionFailedException"/>,
    /// <see cref="ContentIntegrityException"/>) rather than yielding different content.
    /// </summary>
    public async Task<object?> LoadAsync(StoredValue stored, Type declaredType, string localDirectory, CancellationToken cancellationToken)
    {
        if (stored.Format == StoredValue.JsonFormat)
        {
            // Read whole before deserialising: the digest check happens at the end of the content, and a value must
            // not be built from bytes that fail it.
            var obj = stored.Objects.Single();
            var read = await _content.OpenReadAsync(obj, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream(checked((int)obj.Size));
            await using (read.ConfigureAwait(false))
            {
                await read.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            buffer.Position = 0;
            return await JsonSerializer.DeserializeAsync(buffer, declaredType, jsonOptions, cancellationToken).ConfigureAwait(false);
        }

        var root = LocalPath(localDirectory, stored.RootPath);
        if (stored.Format == DirectorySignal.KindName)
        {
            Directory.CreateDirectory(root);
        }

        foreach (var obj in stored.Objects)
        {
            var target = LocalPath(localDirectory, obj.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var read = await _content.OpenReadAsync(obj, cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 81920, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    await read.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return Signal.Create(stored.Format, root);
    }

    private async Task<StoredValue> StoreSignalAsync(Signal signal, CancellationToken cancellationToken)
    {
        // The signal's own file or directory name is kept, so downstream code that looks at names or extensions sees the same ones.
        var rootName = Path.GetFileName(Path.TrimEndingDirectorySeparator(signal.Path));
        if (string.IsNullOrEmpty(rootName))
        {
            rootName = signal.IsDirectory ? "directory" : "file";
        }

        IReadOnlyList<(string Local, string Relative, ContentDigest? Digest)> files;
        if (signal.IsDirectory)
        {
            // The tree and its per-file hashes come from TreeFingerprint (the shared directory walker, hashed in parallel);
            // the content store takes those digests instead of reading every file again.
            var entries = new List<(string, string, ContentDigest?)>();
            await foreach (var entry in TreeFingerprint.EnumerateEntriesAsync(signal.Path, null, cancellationToken).ConfigureAwait(false))
            {
                entries.Add((Path.Combine(signal.Path, entry.RelativePath), rootName + "/" + entry.RelativePath, new ContentDigest(entry.Sha256, entry.Size)));
            }

            files = entries;
        }
        else
        {
            if (!File.Exists(signal.Path))
            {
                throw new FileNotFoundException($"The {signal.Kind} signal's file '{signal.Path}' does not exist.", signal.Path);
            }

            files = [(signal.Path, rootName, null)];
        }

        var objects = ImmutableArray.CreateBuilder<StoredObject>(files.Count);
        using var fingerprint = new FingerprintBuilder();
        fingerprint.Add("format", signal.Kind).Add("root", rootName);
        foreach (var (local, relative, digest) in files)
        {
            var stored = await _content.PutFileAsync(local, relative, digest, cancellationToken).ConfigureAwait(false);
            fingerprint.Add("path", relative).Add("sha256", stored.Sha256);
            objects.Add(stored);
        }

        return new StoredValue
        {
            Format = signal.Kind,
            Type = TypeName(signal.GetType()),
            Fingerprint = fingerprint.Finish(),
            RootPath = rootName,
            Objects = objects.MoveToImmutable(),
        };
    }

    private static string TypeName(Type type) => type.FullName ?? type.Name;

    /// <summary>Maps a recorded relative path into <paramref name="directory"/>; a path that is not a plain relative key is refused.</summary>
    private static string LocalPath(string directory, string relativePath)
    {
        if (!ObjectKey.IsValid(relativePath))
        {
            throw new InvalidDataException($"Stored value path '{relativePath}' is not a plain relative path; refusing to materialise it.");
        }

        return Path.Combine(directory, relativePath.Replace('/', Path.DirectorySeparatorChar));
    }
}
