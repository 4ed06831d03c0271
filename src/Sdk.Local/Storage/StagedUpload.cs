using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// An object being written: content streamed into a file in the store's staging directory (no lock held, hashes
/// computed on the way), later sealed with its header and renamed into place under the key's lock. Disposing an
/// uncommitted upload deletes the staged file; a killed writer's file is removed when a store opens: after a minute when the
/// lock it held is provably free, otherwise by age.
/// </summary>
internal sealed class StagedUpload : IDisposable
{
    public const string FileExtension = ".upload";

    /// <summary>An unlocked staged file untouched this long belongs to a dead writer (a live one streams or commits at once).</summary>
    public static readonly TimeSpan OwnerGoneAfter = TimeSpan.FromMinutes(1);

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

    /// <summary>
    /// Creates a staged file held with <see cref="FileShare.None"/> (on Unix .NET takes <c>flock(LOCK_EX)</c>) while its
    /// content streams in, so <see cref="TryDeleteIfOwnerGone"/> can tell a live writer's file from a dead one's: the kernel
    /// drops the lock when its process dies.
    /// </summary>
    public static StagedUpload Create(string stagingDirectory)
    {
        var path = System.IO.Path.Join(stagingDirectory, Guid.NewGuid().ToString("N") + FileExtension);
        return new StagedUpload(path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None));
    }

    /// <summary>
    /// Deletes the staged file at <paramref name="path"/> when no live writer holds it (its writer was killed). Call only for
    /// a file not written for <see cref="OwnerGoneAfter"/>: a writer releases its lock when it seals the file, just before
    /// the rename that commits it. Unix only: elsewhere (and when .NET's file locking is switched off) nothing can be
    /// proven and false is returned.
    /// </summary>
    public static bool TryDeleteIfOwnerGone(string path)
    {
        if (OperatingSystem.IsWindows() || FileLockingDisabled)
        {
            return false;
        }

        try
        {
            using var probe = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // held by a live writer, or already gone
        }
    }

    private static bool FileLockingDisabled =>
        (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out var disabled) && disabled)
        || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") is "1" or "true";

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
