namespace Stagecraft.Fingerprinting;

/// <summary>What a <see cref="TreeFingerprintEntry"/> records.</summary>
public enum TreeEntryKind
{
    /// <summary>A regular file: size and SHA-256 of its bytes.</summary>
    File,

    /// <summary>A symbolic link, not followed: size and SHA-256 of its target path (UTF-8), so links cannot escape the tree or loop.</summary>
    SymbolicLink,
}
