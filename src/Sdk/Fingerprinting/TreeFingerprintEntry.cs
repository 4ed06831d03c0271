namespace Stagecraft.Fingerprinting;

/// <summary>One file of a fingerprinted tree, in the order it enters the tree hash.</summary>
/// <param name="RelativePath">Path below the root with <c>/</c> separators, e.g. <c>models/a.yaml</c> (a followed link's own name).</param>
/// <param name="Size">The file's length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its bytes.</param>
public sealed record TreeFingerprintEntry(string RelativePath, long Size, string Sha256);
