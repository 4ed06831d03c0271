namespace Stagecraft.Pipelines;

/// <summary>The content of <see cref="PipelinePaths.PruneLock"/>: who holds it and when it was last renewed.</summary>
internal sealed record PruneLockDocument(string Owner, string Host, DateTimeOffset StartedAt, DateTimeOffset RenewedAt);
