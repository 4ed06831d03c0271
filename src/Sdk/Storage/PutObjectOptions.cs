namespace Stagecraft.Storage;

/// <summary>Options for <see cref="IObjectStorage.PutAsync"/>.</summary>
public sealed record PutObjectOptions
{
    /// <summary>The content type a store records when <see cref="ContentType"/> is not given (as Cloud Storage does).</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>The write succeeds only if the object's current generation equals this; 0 means "must not exist".</summary>
    public long? IfGenerationMatch { get; init; }

    /// <summary>The object's content type; <see cref="DefaultContentType"/> when null.</summary>
    public string? ContentType { get; init; }

    /// <summary>User metadata stored with the object.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
