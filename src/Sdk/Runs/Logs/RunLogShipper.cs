using System.Globalization;
using Stagecraft.Storage;

namespace Stagecraft.Runs.Logs;

/// <summary>
/// Ships a growing local log file to storage as append-only numbered chunks (<see cref="RunPaths.LogChunk"/>), the
/// protocol <see cref="RunLogReader"/> reads. Each call sends only the bytes written since the last one, so shipping a
/// log costs its size once, however long the run lasts.
/// </summary>
/// <remarks>
/// Every chunk is written create-only. A shipper starts at chunk 0 and lists nothing unless that fails. Several shippers may follow the same file (a backend restarted in a new process
/// adopts a run's shipping; a terminate call ships the tail while the monitor does too): a shipper that loses the race
/// for an index re-reads which chunks exist and how many bytes they hold, and continues after them. Because all of them
/// copy the same file from the same offsets, the stored bytes are the file's bytes in order whoever wins.
/// </remarks>
public sealed class RunLogShipper
{
    /// <summary>The largest chunk written; a bigger burst becomes several chunks.</summary>
    public const int DefaultMaxChunkBytes = 8 * 1024 * 1024;

    private const int MaxLostRaces = 50;

    private readonly IObjectStorage _storage;
    private readonly RunPaths _paths;
    private readonly LogStream _stream;
    private readonly string _localPath;
    private readonly int _maxChunkBytes;
    private readonly Lock _position = new();
    private long _nextIndex;
    private long _offset;

    /// <param name="storage">Where the chunks go.</param>
    /// <param name="paths">The run.</param>
    /// <param name="stream">Which of its streams <paramref name="localPath"/> holds.</param>
    /// <param name="localPath">The file the run's process appends to.</param>
    /// <param name="maxChunkBytes">The largest chunk object.</param>
    public RunLogShipper(IObjectStorage storage, RunPaths paths, LogStream stream, string localPath, int maxChunkBytes = DefaultMaxChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, 1);
        _storage = storage;
        _paths = paths;
        _stream = stream;
        _localPath = localPath;
        _maxChunkBytes = maxChunkBytes;
    }

    /// <summary>How many bytes of the file are stored (by any shipper), as far as this one knows.</summary>
    public long StoredBytes => Position().Offset;

    /// <summary>Stores every byte the file has now that is not stored yet. Returns the bytes this call stored.</summary>
    /// <remarks>Safe to call concurrently: calls race for chunk indexes like separate shippers do.</remarks>
    public async Task<long> ShipAsync(CancellationToken cancellationToken = default)
    {
        var file = TryOpenShared(_localPath);
        if (file is null)
        {
            return 0;
        }

        await using (file.ConfigureAwait(false))
        {
            long shipped = 0;
            var lostRaces = 0;
            var buffer = Array.Empty<byte>();
            while (true)
            {
                var (index, offset) = Position();

                // The process is still appending: take what is there now, at most one chunk at a time.
                var available = file.Length - offset;
                if (available <= 0)
                {
                    return shipped;
                }

                var length = (int)Math.Min(available, _maxChunkBytes);
                if (buffer.Length < length)
                {
                    buffer = new byte[length];
                }

                file.Position = offset;
                length = await file.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (length == 0)
                {
                    return shipped;
                }

                try
                {
                    using var content = new MemoryStream(buffer, 0, length, writable: false);
                    await _storage.PutAsync(
                        _paths.LogChunk(_stream, index),
                        content,
                        new PutObjectOptions { IfGenerationMatch = 0, ContentType = "text/plain; charset=utf-8" },
                        cancellationToken).ConfigureAwait(false);
                    MoveTo(index + 1, offset + length);
                    shipped += length;
                }
                catch (PreconditionFailedException)
                {
                    if (++lostRaces > MaxLostRaces)
                    {
                        throw new StorageException(string.Create(CultureInfo.InvariantCulture, $"Could not ship '{_localPath}' to '{_paths.LogChunkPrefix(_stream)}': other shippers won {MaxLostRaces} races for the next chunk."));
                    }

                    await AdoptAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private (long Index, long Offset) Position()
    {
        lock (_position)
        {
            return (_nextIndex, _offset);
        }
    }

    /// <summary>Moves forward only: a slower call never takes the position back.</summary>
    private void MoveTo(long index, long offset)
    {
        lock (_position)
        {
            if (index > _nextIndex)
            {
                _nextIndex = index;
                _offset = offset;
            }
        }
    }

    /// <summary>Finds the stored chunks (0, 1, 2, … without a gap) and continues after them.</summary>
    private async Task AdoptAsync(CancellationToken cancellationToken)
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var entry in _storage.ListAsync(_paths.LogChunkPrefix(_stream), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (entry.Object is { } info)
            {
                sizes[info.Key] = info.Size;
            }
        }

        long index = 0, offset = 0;
        while (sizes.TryGetValue(_paths.LogChunk(_stream, index), out var size))
        {
            offset += size;
            index++;
        }

        MoveTo(index, offset);
    }

    private static FileStream? TryOpenShared(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}
