namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.ListAsync"/>.</summary>
public sealed record ListObjectsOptions
{
    /// <summary>Fold keys at this delimiter (usually <c>"/"</c>) into prefix entries.</summary>
    public string? Delimiter { get; init; }

    /// <summary>Page size requested from the store; the enumeration pages underneath regardless.</summary>
    public int? PageSize { get; init; }
}
