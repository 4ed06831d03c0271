using Stagecraft.IO;

namespace Stagecraft.Snapshots;

/// <summary>
/// A writable file store over a local directory (the coordinator's configuration directory). Writes are atomic
/// (<see cref="AtomicFile"/>); names cannot escape the directory.
/// </summary>
public sealed class DirectoryFileStore : IFileStore
{
    /// <param name="root">The directory (created when missing).</param>
    public DirectoryFileStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The absolute root directory.</summary>
    public string Root { get; }

    public bool IsReadOnly => false;

    public IReadOnlyList<string> ListNames() =>
        Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
                .Where(f => !AtomicFile.IsTemporaryFileName(Path.GetFileName(f)))
                .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];

    public bool Exists(string name) => File.Exists(PathOf(name));

    public byte[] ReadAllBytes(string name)
    {
        var path = PathOf(name);
        return File.Exists(path) ? File.ReadAllBytes(path) : throw new FileNotFoundException($"No file '{name}' in '{Root}'.", path);
    }

    public void Write(string name, ReadOnlySpan<byte> content)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, content);
    }

    public bool Delete(string name)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>The local path of a file name (validated: relative, no '..').</summary>
    public string PathOf(string name) => Path.Combine(Root, SnapshotRules.ValidateFileName(name, nameof(name)));
}
