namespace Stagecraft.Storage.Transfers;

/// <summary>What a directory transfer did.</summary>
/// <param name="TransferredKeys">Object keys copied, in key order.</param>
/// <param name="SkippedKeys">Object keys found unchanged and not copied, in key order (links not followed are in <see cref="SkippedLinks"/>).</param>
/// <param name="BytesTransferred">Bytes copied.</param>
public sealed record TransferResult(
    IReadOnlyList<string> TransferredKeys,
    IReadOnlyList<string> SkippedKeys,
    long BytesTransferred)
{
    public int FilesTransferred => TransferredKeys.Count;

    public int FilesSkipped => SkippedKeys.Count;

    /// <summary>
    /// Upload only: symbolic links of the tree that were not followed (dangling, leading outside the directory, or into a
    /// loop), each with its reason; see <see cref="IO.DirectoryWalker"/>.
    /// </summary>
    public IReadOnlyList<IO.SkippedLink> SkippedLinks { get; init; } = [];
}
