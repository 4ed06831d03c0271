namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.CopyAsync"/>.</summary>
public sealed record CopyObjectOptions
{
    /// <summary>Precondition on the destination's current generation; 0 means "must not exist".</summary>
    public long? IfGenerationMatch { get; init; }

    /// <summary>Precondition on the source's generation.</summary>
    public long? IfSourceGenerationMatch { get; init; }
}
