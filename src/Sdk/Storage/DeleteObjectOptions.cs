namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.DeleteAsync"/>.</summary>
public sealed record DeleteObjectOptions
{
    /// <summary>Delete only if the current generation equals this.</summary>
    public long? IfGenerationMatch { get; init; }
}
