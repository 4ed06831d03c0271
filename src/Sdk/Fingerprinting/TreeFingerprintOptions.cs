namespace Stagecraft.Fingerprinting;

/// <summary>Options for <see cref="TreeFingerprint"/>.</summary>
public sealed record TreeFingerprintOptions
{
    /// <summary>The defaults: nothing excluded but AtomicFile temporaries, one worker per core.</summary>
    public static TreeFingerprintOptions Default { get; } = new();

    /// <summary>
    /// File names (not paths; ordinal, case-sensitive) skipped at any depth, typically completion markers
    /// such as <c>_complete</c> that are written after the content they vouch for.
    /// </summary>
    public IReadOnlySet<string> ExcludedFileNames { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Files hashed at once. Default (<see langword="null"/>): <see cref="Environment.ProcessorCount"/>. The result never depends on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>
    /// Skip temporaries a killed <c>AtomicFile</c> writer may leave (<c>.{name}.{random}.stagecraft-tmp</c>),
    /// so a crash leftover does not change the fingerprint. Default: <see langword="true"/>.
    /// </summary>
    public bool IgnoreAtomicFileTemporaries { get; init; } = true;

    /// <summary>Receives progress after each file, in tree order. Default: none.</summary>
    public IProgress<TreeFingerprintProgress>? Progress { get; init; }
}
