using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Stagecraft.IO;
using Stagecraft.Storage;

namespace Stagecraft.Local.Storage;

/// <summary>
/// One object on disk: <c>[content][header JSON][header length: uint32 LE]["SCOBJv01"]</c>. Content and header
/// live in one file that is renamed into place whole, so a reader sees an old object or a new one, never a mix.
/// The header goes last because the generation is only known once the content has been streamed and the key's
/// lock is held; content at offset 0 keeps ranged reads a plain offset.
/// </summary>
internal sealed class ObjectFile : IDisposable
{
    public const int FixedTrailerLength = sizeof(uint) + 8;

    private const int MaxHeaderLength = 1024 * 1024;

    private const int TailReadLength = 2048;

    private ObjectFile(SafeFileHandle handle, ObjectInfo info)
    {
        Handle = handle;
        Info = info;
    }

    private static ReadOnlySpan<byte> Magic => "SCOBJv01"u8;

    public SafeFileHandle Handle { get; }

    public ObjectInfo Info { get; }

    /// <summary>Opens the object at <paramref name="path"/>; null when there is none.</summary>
    /// <exception cref="StorageException">The file exists but is not a complete object file.</exception>
    /// <param name="path">The object file's path.</param>
    /// <param name="expectedKey">The key the caller looks for, when it knows it: reused for <see cref="ObjectInfo.Key"/> when the header holds it.</param>
    public static ObjectFile? TryOpen(string path, string? expectedKey = null)
    {
        SafeFileHandle? handle;
        try
        {
            // Delete sharing: a writer may rename a new version over this path while we read the old one.
            handle = ReadOnlyFile.TryOpen(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (handle is null)
        {
            return null;
        }

        try
        {
            return new ObjectFile(handle, ReadInfo(handle, path, expectedKey));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads just the object's information; null when there is no object at <paramref name="path"/>.</summary>
    public static ObjectInfo? TryReadInfo(string path, string? expectedKey = null)
    {
        using var file = TryOpen(path, expectedKey);
        return file?.Info;
    }

    /// <summary>The bytes appended after the content to complete an object file.</summary>
    public static byte[] EncodeTrailer(StoredObjectHeader header)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, LocalStorageJsonContext.Default.StoredObjectHeader);
        var trailer = new byte[json.Length + FixedTrailerLength];
        json.CopyTo(trailer, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(json.Length), (uint)json.Length);
        Magic.CopyTo(trailer.AsSpan(json.Length + sizeof(uint)));
        return trailer;
    }

    public static ObjectInfo ToInfo(StoredObjectHeader header) => new(
        header.Key,
        header.Size,
        header.Generation,
        header.Updated,
        header.ContentType,
        StoredObjectHeaderReader.View(header.Metadata),
        header.Md5,
        header.Crc32c);

    public void Dispose() => Handle.Dispose();

    [SkipLocalsInit] // the tail buffer is overwritten by the read; zeroing 2 KiB per open showed in the profile
    private static ObjectInfo ReadInfo(SafeFileHandle handle, string path, string? expectedKey)
    {
        var length = PositionalFile.Length(handle);

        // One read of the file's tail usually holds the whole trailer (header JSON included); a larger header takes a second.
        Span<byte> tail = stackalloc byte[(int)Math.Min(length, TailReadLength)];
        if (length < FixedTrailerLength || PositionalFile.Read(handle, tail, length - tail.Length) != tail.Length
            || !tail[^8..].SequenceEqual(Magic))
        {
            throw Corrupt(path, "no object trailer");
        }

        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail[^FixedTrailerLength..]);
        if (headerLength > MaxHeaderLength || headerLength > length - FixedTrailerLength)
        {
            throw Corrupt(path, $"header length {headerLength} does not fit");
        }

        var headerOffset = length - FixedTrailerLength - headerLength;
        scoped ReadOnlySpan<byte> json;
        if (headerLength + FixedTrailerLength <= tail.Length)
        {
            json = tail.Slice(tail.Length - FixedTrailerLength - (int)headerLength, (int)headerLength);
        }
        else
        {
            var bytes = new byte[headerLength];
            if (PositionalFile.Read(handle, bytes, headerOffset) != bytes.Length)
            {
                throw Corrupt(path, "short header");
            }

            json = bytes;
        }

        ObjectInfo info;
        try
        {
            info = StoredObjectHeaderReader.Read(json, expectedKey);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new StorageException($"Object file '{path}' is corrupt: unreadable header.", ex);
        }

        if (info.Size != headerOffset)
        {
            throw Corrupt(path, $"header says {info.Size} content bytes, file holds {headerOffset}");
        }

        return info;
    }

    private static StorageException Corrupt(string path, string why) => new($"Object file '{path}' is corrupt: {why}.");
}
