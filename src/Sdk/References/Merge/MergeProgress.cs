namespace Stagecraft.References;

/// <summary>Progress of a <see cref="PostRunMerger.MergeAsync"/>, reported after each key.</summary>
/// <param name="KeysCompleted">Keys merged or skipped so far.</param>
/// <param name="TotalKeys">Keys found in the run's shards.</param>
/// <param name="Key">The key just finished.</param>
/// <param name="Merged">Whether it was merged (otherwise skipped).</param>
public sealed record MergeProgress(int KeysCompleted, int TotalKeys, string Key, bool Merged);
