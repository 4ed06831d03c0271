namespace Stagecraft.IO;

/// <summary>
/// A write under a directory was refused because a path component below that directory is a symbolic link (or is not a
/// directory): writing through it could land outside the tree. Thrown before the file is written.
/// </summary>
public sealed class UnsafeLocalPathException : IOException
{
    public UnsafeLocalPathException()
    {
    }

    public UnsafeLocalPathException(string message)
        : base(message)
    {
    }

    public UnsafeLocalPathException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <param name="path">The offending path component (full path).</param>
    /// <param name="root">The directory the write had to stay in.</param>
    /// <param name="reason">What is wrong with the component.</param>
    public UnsafeLocalPathException(string path, string root, string reason)
        : base($"Refusing to write under '{root}': '{path}' {reason}; nothing is written through it.")
    {
        LocalPath = path;
        Root = root;
    }

    /// <summary>The offending path component (full path).</summary>
    public string? LocalPath { get; }

    /// <summary>The directory the write had to stay in.</summary>
    public string? Root { get; }
}
