namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.PutAsync"/>.</summary>
public sealed record PutObjectOptions
{
    /// <summary>The write succeeds only if the object's current generation equals this; 0 means "must not exist".</summary>
    public long? IfGenerationMatch { get; init; }

    public string? ContentType { get; init; }

    /// <summary>User metadata stored with the object.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
