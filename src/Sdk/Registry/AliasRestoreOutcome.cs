namespace Stagecraft.Registry;

/// <summary>The result of restoring one alias.</summary>
/// <param name="Alias">The alias.</param>
/// <param name="Status">What happened.</param>
/// <param name="OriginalRunId">Where the alias pointed before the guard's first move (null = unset).</param>
/// <param name="Move">The restoring move, when <see cref="AliasRestoreStatus.Restored"/>.</param>
/// <param name="Error">The failure, when <see cref="AliasRestoreStatus.Failed"/> or <see cref="AliasRestoreStatus.SkippedMovedByOthers"/>.</param>
public sealed record AliasRestoreOutcome(string Alias, AliasRestoreStatus Status, string? OriginalRunId, AliasMove? Move, Exception? Error);
