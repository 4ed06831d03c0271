using System.Collections.Immutable;

namespace Stagecraft.Pipelines;

/// <summary>
/// Where and how a stage output or pipeline input is persisted: its format, content fingerprint and the objects
/// holding it. Recorded in provenance and in cache entries.
/// </summary>
public sealed record StoredValue
{
    /// <summary>The format name used for values serialised with System.Text.Json.</summary>
    public const string JsonFormat = "json";

    /// <summary><see cref="JsonFormat"/>, or a signal kind (<c>file</c>, <c>directory</c>, <c>csv</c>, <c>npy</c>).</summary>
    public required string Format { get; init; }

    /// <summary>The .NET type of the value (full name).</summary>
    public required string Type { get; init; }

    /// <summary>SHA-256 (hex) of the value's content: the JSON bytes, or every file's relative path and bytes for signals.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The value's root relative to the work directory: the JSON file, the signal's file, or the signal's directory.</summary>
    public required string RootPath { get; init; }

    /// <summary>The stored objects (one for JSON and file signals, one per file for directory signals), in ordinal path order.</summary>
    public required ImmutableArray<StoredObject> Objects { get; init; }

    /// <summary>Total size of <see cref="Objects"/> in bytes.</summary>
    public long Size => Objects.IsDefault ? 0 : Objects.Sum(o => o.Size);
}
