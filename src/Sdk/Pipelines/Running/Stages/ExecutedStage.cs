namespace Stagecraft.Pipelines;

/// <summary>What a stage produced: the value in memory and its stored copy.</summary>
internal sealed record ExecutedStage(object? Value, StoredValue Stored);
