namespace Stagecraft.Fingerprinting;

/// <summary>One file of a fingerprinted tree, in the order it enters the tree hash.</summary>
/// <param name="RelativePath">Path below the root with <c>/</c> separators, e.g. <c>models/a.yaml</c>.</param>
/// <param name="Kind">Regular file or (unfollowed) symbolic link.</param>
/// <param name="Size">Bytes hashed: the file length, or the UTF-8 length of a link's target.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of those bytes.</param>
public sealed record TreeFingerprintEntry(string RelativePath, TreeEntryKind Kind, long Size, string Sha256);
