namespace Stagecraft.Signals;

/// <summary>
/// A stage value that lives in the file system (a file or a directory). When a stage returns a signal, the
/// pipeline runtime uploads its file or directory to object storage under the run's outputs, fingerprints its
/// content for the cache, and materialises it again as a local path for downstream stages and cache hits.
/// </summary>
/// <remarks>
/// The set of signal kinds is closed (<see cref="FileSignal"/>, <see cref="DirectorySignal"/>,
/// <see cref="CsvSignal"/>, <see cref="NpySignal"/>) because the runtime must be able to re-create each one
/// from a stored copy.
/// </remarks>
public abstract class Signal
{
    private protected Signal(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The absolute local path of the file or directory.</summary>
    public string Path { get; }

    /// <summary>The stable name of this signal kind as recorded in provenance (<c>file</c>, <c>directory</c>, <c>csv</c>, <c>npy</c>).</summary>
    public abstract string Kind { get; }

    /// <summary>True for <see cref="DirectorySignal"/>: the runtime stores every file under <see cref="Path"/>.</summary>
    internal virtual bool IsDirectory => false;

    /// <summary>Creates a signal of the given kind for a local path (used when a stored signal is materialised).</summary>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is not a known signal kind.</exception>
    internal static Signal Create(string kind, string path) => kind switch
    {
        FileSignal.KindName => new FileSignal(path),
        DirectorySignal.KindName => new DirectorySignal(path),
        CsvSignal.KindName => new CsvSignal(path),
        NpySignal.KindName => new NpySignal(path),
        _ => throw new ArgumentException($"Unknown signal kind '{kind}'; expected one of file, directory, csv, npy.", nameof(kind)),
    };

    public override string ToString() => $"{Kind}:{Path}";
}
