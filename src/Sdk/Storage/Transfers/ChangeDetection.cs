namespace Stagecraft.Storage.Transfers;

/// <summary>How a directory transfer decides that a file is unchanged and can be skipped.</summary>
public enum ChangeDetection
{
    /// <summary>
    /// Skip when the sizes are equal and the local file's last write time equals the one recorded in the object's
    /// <see cref="TransferMetadata.LastWriteTimeKey"/> metadata (to the 100 ns tick). Cheap: nothing is read.
    /// An object without that metadata is compared by its <see cref="ObjectInfo.Updated"/> time, which is what a
    /// download gives the file.
    /// </summary>
    SizeAndLastWriteTime = 0,

    /// <summary>Skip when the sizes and the CRC32C of the content are equal. Reads every local candidate file once.</summary>
    Checksum = 1,

    /// <summary>Never skip: transfer every file.</summary>
    None = 2,
}
