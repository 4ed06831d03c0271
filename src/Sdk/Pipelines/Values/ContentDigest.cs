namespace Stagecraft.Pipelines;

/// <summary>A content's SHA-256 (lower-case hex) and size, as a walk of the tree that holds it computed them.</summary>
internal readonly record struct ContentDigest(string Sha256, long Size);
