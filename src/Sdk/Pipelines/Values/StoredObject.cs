namespace Stagecraft.Pipelines;

/// <summary>One object in storage that holds (part of) a stored value.</summary>
/// <param name="Key">The object key.</param>
/// <param name="RelativePath">Where the object goes when the value is materialised locally, relative to the stage's work directory (<c>/</c>-separated).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Generation">The storage generation written; a reader that finds another generation knows the object was replaced and does not trust it.</param>
public sealed record StoredObject(string Key, string RelativePath, long Size, long Generation);
