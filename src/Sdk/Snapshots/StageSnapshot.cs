using System.Collections.ObjectModel;

namespace Stagecraft.Snapshots;

/// <summary>
/// Everything a shared-nothing worker needs to run one stage: the stage name, its parameters, configuration entries
/// and small referenced files. Immutable; file contents are copied on the way in and on the way out, so nobody holding
/// an array can change a snapshot (or another holder's copy).
/// </summary>
/// <remarks>Build one with <see cref="StageSnapshotBuilder"/>; send it as <see cref="ToBytes"/>; read it with <see cref="FromBytes"/>.</remarks>
public sealed class StageSnapshot
{
    private readonly Dictionary<string, byte[]> _files;

    internal StageSnapshot(string stageName, IDictionary<string, string> parameters, IDictionary<string, string> configuration, Dictionary<string, byte[]> files, int formatVersion)
    {
        StageName = stageName;
        Parameters = new ReadOnlyDictionary<string, string>(new SortedDictionary<string, string>(parameters, StringComparer.Ordinal));
        Configuration = new ReadOnlyDictionary<string, string>(new SortedDictionary<string, string>(configuration, StringComparer.Ordinal));
        _files = files; // owned: callers hand over arrays nobody else references
        FileNames = _files.Keys.Order(StringComparer.Ordinal).ToArray().AsReadOnly();
        FormatVersion = formatVersion;
    }

    /// <summary>The stage to run.</summary>
    public string StageName { get; }

    /// <summary>The stage's parameters, by name.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>Configuration entries, by key.</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; }

    /// <summary>Names of the carried files, in ordinal order.</summary>
    public IReadOnlyList<string> FileNames { get; }

    /// <summary>The wire-format version this snapshot was read from (<see cref="SnapshotWireFormat.CurrentVersion"/> when built here).</summary>
    public int FormatVersion { get; }

    /// <summary>The sum of file sizes.</summary>
    public long TotalFileBytes => _files.Values.Sum(f => (long)f.Length);

    /// <summary>A copy of a carried file's bytes.</summary>
    /// <exception cref="KeyNotFoundException">The snapshot has no file of that name (the message names it).</exception>
    public byte[] GetFile(string name) =>
        _files.TryGetValue(name, out var content)
            ? (byte[])content.Clone()
            : throw new KeyNotFoundException($"Snapshot of stage '{StageName}' has no file '{name}' (it has {_files.Count}: {string.Join(", ", FileNames.Take(10))}{(_files.Count > 10 ? ", …" : "")}).");

    /// <summary>A copy of a carried file's bytes, or false.</summary>
    public bool TryGetFile(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? content)
    {
        content = _files.TryGetValue(name, out var stored) ? (byte[])stored.Clone() : null;
        return content is not null;
    }

    /// <summary>The size of a carried file, without copying it.</summary>
    public bool TryGetFileSize(string name, out int size)
    {
        size = _files.TryGetValue(name, out var stored) ? stored.Length : 0;
        return _files.ContainsKey(name);
    }

    /// <summary>Encodes the snapshot in the current wire format (a new array each call).</summary>
    public byte[] ToBytes() => SnapshotWireFormat.Write(this);

    /// <summary>Decodes a snapshot (current or previous format version), enforcing <paramref name="options"/>' limits while reading.</summary>
    /// <exception cref="SnapshotFormatException">The bytes are not a valid snapshot (<see cref="SnapshotVersionNotSupportedException"/> for unknown versions).</exception>
    /// <exception cref="SnapshotLimitExceededException">The content passes a limit (checked while decompressing).</exception>
    public static StageSnapshot FromBytes(ReadOnlyMemory<byte> bytes, SnapshotReaderOptions? options = null) => SnapshotWireFormat.Read(bytes, options);

    /// <summary>A read-only configuration store over <see cref="Configuration"/>: writes throw <see cref="ReadOnlyStoreException"/>.</summary>
    public IConfigurationStore CreateConfigurationStore() => new SnapshotConfigurationStore(this);

    /// <summary>A read-only file store over the carried files: writes throw <see cref="ReadOnlyStoreException"/>.</summary>
    public IFileStore CreateFileStore() => new SnapshotFileStore(this);

    internal IReadOnlyDictionary<string, byte[]> FilesWithoutCopy => _files;

    public override string ToString() => $"snapshot of stage '{StageName}' (v{FormatVersion}: {Parameters.Count} parameters, {Configuration.Count} configuration entries, {_files.Count} files)";
}
