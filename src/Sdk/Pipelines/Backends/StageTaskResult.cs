namespace Stagecraft.Pipelines;

/// <summary>What a worker reports back: the stored output, or the error.</summary>
internal sealed record StageTaskResult
{
    public required bool Succeeded { get; init; }

    public StoredValue? Output { get; init; }

    public string? ErrorType { get; init; }

    public string? ErrorMessage { get; init; }

    public string? Error { get; init; }
}
