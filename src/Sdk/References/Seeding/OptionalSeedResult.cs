namespace Stagecraft.References;

/// <summary>What <see cref="ReferenceSeeding.MergeOptionalSeedAsync"/> did.</summary>
/// <param name="Outcome">Empty prefix, already merged, or merged.</param>
/// <param name="InstalledKeys">Keys installed from the seed (they had no local reference).</param>
/// <param name="KeptLocalKeys">Keys with a local reference, left exactly as they were (never clobbered).</param>
/// <param name="IgnoredKeys">Seed keys not installed, with the reason (invalid name, no marker, download failed).</param>
public sealed record OptionalSeedResult(
    OptionalSeedOutcome Outcome,
    IReadOnlyList<string> InstalledKeys,
    IReadOnlyList<string> KeptLocalKeys,
    IReadOnlyDictionary<string, string> IgnoredKeys);

/// <summary>The outcome of an optional seed merge.</summary>
public enum OptionalSeedOutcome
{
    /// <summary>The seed prefix is empty: nothing was done (not an error for an optional seed).</summary>
    EmptyPrefix,

    /// <summary><see cref="ReferenceFileNames.OptionalSeedComplete"/> says this prefix was merged already (e.g. before a restart): nothing was done.</summary>
    AlreadyMerged,

    /// <summary>The seed was merged key by key.</summary>
    Merged,

    /// <summary>Some keys failed to download; the gate was not written, so the next call tries again.</summary>
    Incomplete,
}
