using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// An object being written: content streamed into a file in the store's staging directory (no lock held, hashes
/// computed on the way), later sealed with its header and renamed into place under the key's lock. Disposing an
/// uncommitted upload deletes the staged file; a killed writer's file is removed by age when a store opens.
/// </summary>
internal sealed class StagedUpload : IDisposable
{
    public const string FileExtension = ".upload";

    private const int BufferSize = 128 * 1024;

    private readonly SafeFileHandle _handle;
    private bool _committed;

    private StagedUpload(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    public long Length { get; private set; }

    public string Md5 { get; private set; } = string.Empty;

    public string Crc32c { get; private set; } = string.Empty;

    public static StagedUpload Create(string stagingDirectory)
    {
        var path = System.IO.Path.Join(stagingDirectory, Guid.NewGuid().ToString("N") + FileExtension);
        return new StagedUpload(path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None));
    }

    /// <summary>Copies <paramref name="content"/> to its end into the staged file, hashing it.</summary>
    public async Task CopyFromAsync(Stream content, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var crc = new Crc32C();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, n);
                crc.Append(buffer.AsSpan(0, n));
                await RandomAccess.WriteAsync(_handle, buffer.AsMemory(0, n), Length, cancellationToken).ConfigureAwait(false);
                Length += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Md5 = Convert.ToBase64String(md5.GetHashAndReset());
        Crc32c = crc.ToBase64();
    }

    /// <summary>Appends the trailer that completes the object file, optionally fsyncs, and closes the file.</summary>
    public void Seal(ReadOnlySpan<byte> trailer, bool flushToDisk)
    {
        RandomAccess.Write(_handle, trailer, Length);
        if (flushToDisk)
        {
            RandomAccess.FlushToDisk(_handle);
        }

        _handle.Dispose();
    }

    /// <summary>Renames the sealed file to <paramref name="objectPath"/> (atomic replace on POSIX).</summary>
    public void CommitTo(string objectPath)
    {
        File.Move(Path, objectPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _handle.Dispose();
        if (!_committed)
        {
            try
            {
                File.Delete(Path);
            }
            catch (IOException)
            {
                // Removed by age when a store next opens.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
