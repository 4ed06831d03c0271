namespace Stagecraft.Fingerprinting;

/// <summary>Progress of a <see cref="TreeFingerprint"/> computation, reported after each file in tree order.</summary>
/// <param name="FilesHashed">Files folded into the tree hash so far.</param>
/// <param name="TotalFiles">Files the tree has (after exclusions).</param>
/// <param name="BytesHashed">Content bytes of the files folded so far.</param>
public readonly record struct TreeFingerprintProgress(int FilesHashed, int TotalFiles, long BytesHashed);
