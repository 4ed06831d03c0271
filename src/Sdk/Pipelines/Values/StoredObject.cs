namespace Stagecraft.Pipelines;

/// <summary>A reference to one content object in storage that holds (part of) a stored value.</summary>
/// <param name="Key">The content key (<see cref="PipelinePaths.Content"/>): the same bytes always have the same key, shared by every run.</param>
/// <param name="RelativePath">Where the object goes when the value is materialised locally, relative to the stage's work directory (<c>/</c>-separated).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Generation">The storage generation seen when the reference was made; a reader that finds another generation knows the object was removed and re-created and does not trust the reference.</param>
/// <param name="Sha256">The lower-case hex SHA-256 of the bytes; readers check what they download against it.</param>
public sealed record StoredObject(string Key, string RelativePath, long Size, long Generation, string Sha256);
