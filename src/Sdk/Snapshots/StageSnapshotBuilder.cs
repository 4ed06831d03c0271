namespace Stagecraft.Snapshots;

/// <summary>
/// Collects what a shared-nothing worker needs for one stage and builds a <see cref="StageSnapshot"/>. Files can be given
/// as bytes (copied at once) or referenced by path (read by <see cref="BuildAsync"/>). A reference that does not exist
/// fails the build with <see cref="SnapshotReferenceMissingException"/> listing every missing path — never a snapshot
/// that silently lacks something.
/// </summary>
/// <example>
/// <code>
/// var snapshot = await new StageSnapshotBuilder("train")
///     .WithParameter("epochs", "3")
///     .WithConfiguration(coordinatorConfig)
///     .WithDirectory("config", "/etc/my-experiment")
///     .BuildAsync(cancellationToken);
/// var spec = new RunSpec(runId, command, args) { Snapshot = snapshot.ToBytes() };
/// </code>
/// </example>
public sealed class StageSnapshotBuilder
{
    private readonly string _stageName;
    private readonly SnapshotLimits _limits;
    private readonly Dictionary<string, string> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _configuration = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Path)> _fileReferences = [];
    private readonly List<(string Prefix, string Path)> _directoryReferences = [];

    /// <param name="stageName">The stage the worker runs.</param>
    /// <param name="limits">Size limits (default <see cref="SnapshotLimits.Default"/>).</param>
    public StageSnapshotBuilder(string stageName, SnapshotLimits? limits = null)
    {
        _stageName = SnapshotRules.ValidateName(stageName, "stage name", nameof(stageName));
        _limits = limits ?? SnapshotLimits.Default;
    }

    /// <summary>Adds a stage parameter.</summary>
    public StageSnapshotBuilder WithParameter(string name, string value)
    {
        SnapshotRules.ValidateName(name, "parameter name", nameof(name));
        ArgumentNullException.ThrowIfNull(value);
        AddUnique(_parameters, name, value, "parameter");
        return this;
    }

    /// <summary>Adds a configuration entry.</summary>
    public StageSnapshotBuilder WithConfiguration(string key, string value)
    {
        SnapshotRules.ValidateName(key, "configuration key", nameof(key));
        ArgumentNullException.ThrowIfNull(value);
        AddUnique(_configuration, key, value, "configuration key");
        return this;
    }

    /// <summary>Adds every entry of a configuration store (a copy, taken now).</summary>
    public StageSnapshotBuilder WithConfiguration(IConfigurationStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var (key, value) in store.GetAll().OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            WithConfiguration(key, value);
        }

        return this;
    }

    /// <summary>Adds a file from bytes; the bytes are copied now, so later changes to the caller's buffer do not leak in.</summary>
    public StageSnapshotBuilder WithFile(string name, ReadOnlySpan<byte> content)
    {
        SnapshotRules.ValidateFileName(name, nameof(name));
        SnapshotRules.CheckFileSize(_limits, name, content.Length);
        AddUniqueFile(name, content.ToArray());
        return this;
    }

    /// <summary>References a local file; it is read by <see cref="BuildAsync"/> and must exist then.</summary>
    public StageSnapshotBuilder WithFileFrom(string name, string sourcePath)
    {
        SnapshotRules.ValidateFileName(name, nameof(name));
        ArgumentException.ThrowIfNullOrWhiteSpace(sourcePath);
        if (_files.ContainsKey(name) || _fileReferences.Any(r => r.Name == name))
        {
            throw new ArgumentException($"The snapshot already has a file '{name}'.", nameof(name));
        }

        _fileReferences.Add((name, Path.GetFullPath(sourcePath)));
        return this;
    }

    /// <summary>
    /// References a local directory; every file under it is added as <c>{namePrefix}/{relative path}</c> by
    /// <see cref="BuildAsync"/>. The directory must exist then.
    /// </summary>
    public StageSnapshotBuilder WithDirectory(string namePrefix, string sourceDirectory)
    {
        SnapshotRules.ValidateFileName(namePrefix, nameof(namePrefix));
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceDirectory);
        _directoryReferences.Add((namePrefix, Path.GetFullPath(sourceDirectory)));
        return this;
    }

    /// <summary>
    /// Reads every referenced file and builds the snapshot. Fails — before reading anything — when any reference is
    /// missing, listing them all; fails when a limit is passed.
    /// </summary>
    /// <exception cref="SnapshotReferenceMissingException">A referenced file or directory does not exist.</exception>
    /// <exception cref="SnapshotLimitExceededException">The content passes a limit.</exception>
    public async Task<StageSnapshot> BuildAsync(CancellationToken cancellationToken = default)
    {
        var missing = _fileReferences.Where(r => !File.Exists(r.Path))
            .Concat(_directoryReferences.Where(r => !Directory.Exists(r.Path)))
            .ToList();
        if (missing.Count > 0)
        {
            throw new SnapshotReferenceMissingException(_stageName, missing);
        }

        var files = new Dictionary<string, byte[]>(_files.Select(f => KeyValuePair.Create(f.Key, (byte[])f.Value.Clone())), StringComparer.Ordinal);
        var toRead = new List<(string Name, string Path)>(_fileReferences);
        foreach (var (prefix, directory) in _directoryReferences)
        {
            foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = prefix + "/" + Path.GetRelativePath(directory, path).Replace('\\', '/');
                toRead.Add((SnapshotRules.ValidateFileName(name, nameof(WithDirectory)), path));
            }
        }

        long total = files.Values.Sum(f => (long)f.Length);
        foreach (var (name, path) in toRead)
        {
            SnapshotRules.CheckFileSize(_limits, name, new FileInfo(path).Length);
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Deleted between the existence check and the read: still a missing reference, never a silent gap.
                throw new SnapshotReferenceMissingException(_stageName, [(name, path)]);
            }

            SnapshotRules.CheckFileSize(_limits, name, content.Length);
            total += content.Length;
            SnapshotRules.CheckTotalFileSize(_limits, total);
            if (!files.TryAdd(name, content))
            {
                throw new ArgumentException($"The snapshot would contain file '{name}' twice (from '{path}' and another source).");
            }
        }

        SnapshotRules.CheckLimits(_limits, _stageName, _parameters, _configuration, files);
        return new StageSnapshot(_stageName, _parameters, _configuration, files, SnapshotWireFormat.CurrentVersion);
    }

    private static void AddUnique(Dictionary<string, string> target, string key, string value, string kind)
    {
        if (!target.TryAdd(key, value))
        {
            throw new ArgumentException($"The snapshot already has {kind} '{key}'.", nameof(key));
        }
    }

    private void AddUniqueFile(string name, byte[] content)
    {
        if (_fileReferences.Any(r => r.Name == name) || !_files.TryAdd(name, content))
        {
            throw new ArgumentException($"The snapshot already has a file '{name}'.", nameof(name));
        }
    }
}
