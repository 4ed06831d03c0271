using System.Runtime.CompilerServices;
using Stagecraft.Storage;

namespace Stagecraft.Runs.Logs;

/// <summary>
/// Reads a run's logs the way every backend stores them: append-only numbered chunk objects
/// (<see cref="RunPaths.LogChunk"/>), read in index order, one GET each. Chunks are never rewritten, so a reader only
/// ever asks for the next index and never re-reads a byte.
/// </summary>
/// <remarks>
/// A following reader stops once the run has ended (by default: its exit-code object exists; a backend can add its own
/// test, e.g. "the VM is gone") and one more look finds no new chunk. Writers store every chunk before the exit code
/// (<see cref="RunExitPublisher"/>), so that last look sees everything.
/// </remarks>
public sealed class RunLogReader
{
    private readonly IObjectStorage _storage;
    private readonly RunLogReaderOptions _options;

    public RunLogReader(IObjectStorage storage, RunLogReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storage = storage;
        _options = options ?? new RunLogReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.PollInterval, TimeSpan.Zero, "options.PollInterval");
    }

    /// <summary>Streams the chunks of one log stream, in order.</summary>
    /// <param name="paths">The run.</param>
    /// <param name="stream">Which stream.</param>
    /// <param name="follow">False: what is stored now. True: keep waiting for chunks until the run has ended.</param>
    /// <param name="hasEnded">When following, whether the run has ended; null means "its exit-code object exists".</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(
        RunPaths paths,
        LogStream stream,
        bool follow = false,
        Func<CancellationToken, Task<bool>>? hasEnded = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        hasEnded ??= async ct => await _storage.StatAsync(paths.ExitCode, ct).ConfigureAwait(false) is not null;
        long index = 0;
        var finalPass = false;
        var poll = new EagerPollDelay(_options.PollInterval / 4, _options.PollInterval, _options.TimeProvider);
        while (true)
        {
            var chunk = await TryReadAsync(paths.LogChunk(stream, index), cancellationToken).ConfigureAwait(false);
            if (chunk is not null)
            {
                index++;
                yield return chunk;
                continue;
            }

            if (!follow || finalPass)
            {
                yield break;
            }

            if (await hasEnded(cancellationToken).ConfigureAwait(false))
            {
                finalPass = true;
                continue;
            }

            await poll.DelayAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Streams one log stream line by line (split by <see cref="LogLineSplitter"/>); see <see cref="ReadChunksAsync"/>.</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync(
        RunPaths paths,
        LogStream stream,
        bool follow = false,
        Func<CancellationToken, Task<bool>>? hasEnded = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var splitter = new LogLineSplitter();
        await foreach (var chunk in ReadChunksAsync(paths, stream, follow, hasEnded, cancellationToken).ConfigureAwait(false))
        {
            foreach (var line in splitter.Push(chunk.Span))
            {
                yield return line;
            }
        }

        if (splitter.Flush() is { } last)
        {
            yield return last;
        }
    }

    private async Task<byte[]?> TryReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var read = await _storage.GetAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                await read.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer.ToArray();
            }
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }
}
