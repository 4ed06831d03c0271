namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.GetAsync"/>.</summary>
public sealed record GetObjectOptions
{
    /// <summary>Read only this byte range (inclusive offsets, as HTTP Range).</summary>
    public ByteRange? Range { get; init; }

    /// <summary>Read only if the current generation equals this (otherwise <see cref="PreconditionFailedException"/>).</summary>
    public long? IfGenerationMatch { get; init; }
}
