namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>The writable fields of an object resource, as a request carried them (null = not given).</summary>
/// <param name="ContentType">The content type.</param>
/// <param name="ContentEncoding">The stored content encoding (<c>gzip</c> makes reads transcode).</param>
/// <param name="Metadata">User metadata, without keys a patch removes.</param>
internal sealed record ObjectFields(string? ContentType, string? ContentEncoding, IReadOnlyDictionary<string, string>? Metadata)
{
    public string? Name { get; init; }

    public string? Crc32c { get; init; }

    public string? Md5 { get; init; }

    /// <summary>Metadata as sent, with null values (a patch removes those keys).</summary>
    public IReadOnlyDictionary<string, string?>? MetadataPatch { get; init; }
}

/// <summary>A request uses something the fake does not emulate: it answers 501 naming it, never ignores it.</summary>
internal sealed class NotEmulatedException(string what) : Exception($"The fake Cloud Storage does not emulate {what}.");
