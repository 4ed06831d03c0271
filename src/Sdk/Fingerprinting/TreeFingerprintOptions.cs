namespace Stagecraft.Fingerprinting;

/// <summary>Options for <see cref="TreeFingerprint"/>.</summary>
public sealed record TreeFingerprintOptions
{
    /// <summary>The defaults: nothing excluded (temporaries of killed writers are never part of a tree), one worker per core.</summary>
    public static TreeFingerprintOptions Default { get; } = new();

    /// <summary>
    /// File names (not paths; ordinal, case-sensitive) skipped at any depth, typically completion markers
    /// such as <c>_complete</c> that are written after the content they vouch for.
    /// </summary>
    public IReadOnlySet<string> ExcludedFileNames { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Files hashed at once. Default (<see langword="null"/>): <see cref="Environment.ProcessorCount"/>. The result never depends on it.</summary>
    public int? MaxParallelism { get; init; }

    /// <summary>Receives progress after each file, in tree order. Default: none.</summary>
    public IProgress<TreeFingerprintProgress>? Progress { get; init; }
}
