namespace Stagecraft.Signals;

/// <summary>A directory tree produced or consumed by a stage (every file under it is stored and fingerprinted).</summary>
public sealed class DirectorySignal : Signal
{
    internal const string KindName = "directory";

    /// <param name="path">The directory's path (made absolute).</param>
    public DirectorySignal(string path)
        : base(path)
    {
    }

    /// <inheritdoc/>
    public override string Kind => KindName;

    internal override bool IsDirectory => true;

    /// <summary>The full path of a file inside the directory, given its <c>/</c>- or <c>\</c>-separated relative path.</summary>
    /// <exception cref="ArgumentException">The relative path is rooted or escapes the directory.</exception>
    public string GetFilePath(string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar)));
        var root = Path.EndsWith(System.IO.Path.DirectorySeparatorChar) ? Path : Path + System.IO.Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"Relative path '{relativePath}' leaves the directory '{Path}'.", nameof(relativePath));
    }

    /// <summary>
    /// Every file of the directory's tree as a <c>/</c>-separated relative path, in ordinal order (the order the
    /// runtime stores and fingerprints them in). The tree is what <see cref="IO.DirectoryWalker"/> walks: links inside the
    /// directory are followed, links leading out of it or nowhere are not part of it, nor are temporaries of killed writers.
    /// </summary>
    public IReadOnlyList<string> EnumerateRelativeFilePaths()
    {
        if (!Directory.Exists(Path))
        {
            throw new DirectoryNotFoundException($"Directory signal '{Path}' does not exist.");
        }

        return [.. IO.DirectoryWalker.Walk(Path).Files.Select(f => f.RelativePath)];
    }
}
