namespace Stagecraft.Signals;

/// <summary>A single file produced or consumed by a stage.</summary>
public sealed class FileSignal : Signal
{
    internal const string KindName = "file";

    /// <param name="path">The file's path (made absolute).</param>
    public FileSignal(string path)
        : base(path)
    {
    }

    /// <inheritdoc/>
    public override string Kind => KindName;

    /// <summary>The file name without its directory.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Opens the file for asynchronous reading.</summary>
    public FileStream OpenRead() =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Reads the whole file as UTF-8 text.</summary>
    public Task<string> ReadAllTextAsync(CancellationToken cancellationToken = default) => File.ReadAllTextAsync(Path, cancellationToken);

    /// <summary>Reads the whole file.</summary>
    public Task<byte[]> ReadAllBytesAsync(CancellationToken cancellationToken = default) => File.ReadAllBytesAsync(Path, cancellationToken);

    /// <summary>Writes <paramref name="content"/> (UTF-8) to <paramref name="path"/>, creating its directory, and returns the signal.</summary>
    public static async Task<FileSignal> WriteAllTextAsync(string path, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        SignalFiles.CreateParentDirectory(path);
        await File.WriteAllTextAsync(path, content, cancellationToken).ConfigureAwait(false);
        return new FileSignal(path);
    }
}
