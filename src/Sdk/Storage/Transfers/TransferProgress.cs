namespace Stagecraft.Storage.Transfers;

/// <summary>A snapshot of a directory transfer, reported after each file is transferred or skipped.</summary>
/// <param name="TotalFiles">Files the transfer considers (transferred or skipped).</param>
/// <param name="TotalBytes">Their total size.</param>
/// <param name="FilesTransferred">Files copied so far.</param>
/// <param name="FilesSkipped">Files found unchanged so far.</param>
/// <param name="BytesTransferred">Bytes copied so far.</param>
/// <param name="LastKey">The object key of the file that just completed.</param>
public sealed record TransferProgress(
    int TotalFiles,
    long TotalBytes,
    int FilesTransferred,
    int FilesSkipped,
    long BytesTransferred,
    string? LastKey)
{
    /// <summary>Files done, transferred or skipped.</summary>
    public int FilesCompleted => FilesTransferred + FilesSkipped;
}
