namespace Stagecraft.Signals;

/// <summary>File-system helpers shared by the signal types.</summary>
internal static class SignalFiles
{
    public static void CreateParentDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>Opens a new file for writing; callers write the whole content, so a partial file is only ever a crash artefact.</summary>
    public static FileStream Create(string path)
    {
        CreateParentDirectory(path);
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 4096, FileOptions.Asynchronous);
    }
}
