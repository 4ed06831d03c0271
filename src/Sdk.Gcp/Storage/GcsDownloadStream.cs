using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Google;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// The content of one pinned object generation (or a byte range of it), downloaded by Google's client and
/// resumed after a broken connection.
/// </summary>
/// <remarks>
/// <para>Kept as our own code because Google's downloader sends one request and fails when its body is cut: it
/// neither resumes nor retries (the fault-injected contract suite, <c>GcsObjectStorageFaultInjectedContractTests</c>,
/// cuts downloads mid-body). Each interruption is followed by another download of the same generation with
/// <c>Range: bytes=&lt;received&gt;-</c>, so the caller sees one uninterrupted, never-spliced stream.</para>
/// <para>Downloads are pulled: an attempt hands its bytes over only as the reader asks for them, and a resumption
/// starts only when the reader wants more, so a reader never receives bytes of a generation replaced meanwhile.</para>
/// <para>Checksums follow Google's clients: the CRC32C of a whole-object read is checked when the bytes received are
/// the bytes stored. An object stored with <c>Content-Encoding: gzip</c> arrives decompressed (Cloud Storage
/// transcodes it, or the HTTP stack inflates it), while its hashes describe the stored gzip bytes, so it is not
/// checked; nor can it be read by byte range (ranges address the stored bytes), so a range of such an object is cut
/// from the decompressed stream and an interruption restarts the download, skipping what was already delivered.</para>
/// </remarks>
internal sealed class GcsDownloadStream : Stream
{
    /// <summary>How much Google's downloader reads before handing bytes over.</summary>
    internal const int HandOverSize = 64 * 1024;

    private readonly GcsObjectStorage _owner;
    private readonly GcsObject _resource;
    private readonly long _start;
    private readonly long? _requestedEnd;
    private readonly bool _wholeObject;
    private readonly bool _transcoded;
    private readonly Channel<ReadOnlyMemory<byte>> _chunks = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _demand = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Crc32C _crc = new();
    private Task? _pump;
    private Exception? _failure;
    private ReadOnlyMemory<byte> _current;
    private bool _ended;
    private long _position;
    private long _delivered;
    private int _disposed;

    public GcsDownloadStream(GcsObjectStorage owner, GcsObject resource, ByteRange? range)
    {
        _owner = owner;
        _resource = resource;
        _start = range?.From ?? 0;
        _requestedEnd = range?.To;
        _wholeObject = range is null;
        _transcoded = string.Equals(resource.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase);
        var size = (long)(resource.Size ?? 0);
        if (!_transcoded)
        {
            if (range is not null && _start >= size)
            {
                throw new ArgumentOutOfRangeException("options", _start, $"The range of '{resource.Name}' starts at {_start}, at or past the end of its {size} bytes.");
            }

            var lastByte = Math.Min(_requestedEnd ?? long.MaxValue, size - 1);
            ExpectedLength = Math.Max(0, lastByte - _start + 1);
        }
    }

    /// <summary>The number of bytes this stream will deliver (the range clipped to the object); null when only the download can tell.</summary>
    public long? ExpectedLength { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("Object content streams are forward-only; the size is in ObjectInfo.Size.");

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Object content streams are forward-only.");
    }

    /// <summary>Starts the download and waits for its first bytes, so that a missing generation surfaces from GetAsync.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        _pump = Task.Run(() => PumpAsync(_stop.Token), CancellationToken.None);
        await FillAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_current.IsEmpty)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
            if (_current.IsEmpty)
            {
                return 0;
            }
        }

        var n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous reads block on the asynchronous path: resumption needs the same retry logic either way.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("Object content streams are forward-only; request a range instead.");

    public override void SetLength(long value) => throw new NotSupportedException("Object content streams are read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Object content streams are read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            var pump = _pump ?? Task.CompletedTask;
            _ = pump.ContinueWith(
                _ =>
                {
                    _stop.Dispose();
                    _demand.Dispose();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        base.Dispose(disposing);
    }

    /// <summary>Asks the download for its next bytes and waits for them (empty at the end; the failure, if any, thrown).</summary>
    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            ThrowIfFailed();
            return;
        }

        _demand.Release();
        if (await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _chunks.Reader.TryRead(out var chunk))
        {
            _current = chunk;
            return;
        }

        _ended = true;
        ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        }
    }

    /// <summary>Runs download attempts until every wanted byte was handed over, then checks the checksum.</summary>
    private async Task PumpAsync(CancellationToken stop)
    {
        try
        {
            if (ExpectedLength != 0)
            {
                await DownloadWithResumptionAsync(stop).ConfigureAwait(false);
            }

            VerifyChecksum();
            _chunks.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _failure = stop.IsCancellationRequested ? new ObjectDisposedException(nameof(GcsDownloadStream)) : ex;
            _chunks.Writer.TryComplete();
        }
    }

    private async Task DownloadWithResumptionAsync(CancellationToken stop)
    {
        var key = _resource.Name;
        var failures = 0;
        while (true)
        {
            var deliveredBefore = _delivered;
            var sink = new HandOverStream(this, stop);
            try
            {
                await _owner.Client.DownloadObjectAsync(_resource.Bucket, key, sink, CreateOptions(), stop).ConfigureAwait(false);
                if (ExpectedLength is { } expected && _delivered < expected)
                {
                    throw new IOException($"The response for '{key}' ended at byte {_start + _delivered}, before the expected {_start + expected}.");
                }

                return;
            }
            catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.NotFound)
            {
                // The pinned generation is gone: the object was overwritten or deleted mid-read.
                throw new ObjectNotFoundException($"Object '{key}' generation {_resource.Generation} no longer exists (overwritten or deleted while being read).", ex);
            }
            catch (Exception ex) when (!stop.IsCancellationRequested && GcsObjectStorage.IsTransient(ex, stop))
            {
                failures = _delivered > deliveredBefore ? 1 : failures + 1;
                if (!_owner.Retry.CanRetry(failures))
                {
                    throw new GcsRequestException($"Download of {_owner.Describe(key)} failed at byte {_start + _delivered} after {failures} consecutive interruptions: {ex.Message}", null, null, ex);
                }

                GcpLog.DownloadInterrupted(_owner.Logger, key, _start + _delivered, failures, ex);
                await _owner.Retry.BackoffAsync(failures, null, stop).ConfigureAwait(false);

                // Resume only once the reader wants more, so that it never gets bytes of a later state of the object.
                await _demand.WaitAsync(stop).ConfigureAwait(false);
                _demand.Release();
            }
            catch (GoogleApiException ex)
            {
                throw _owner.MapError(ex, "download", key);
            }
        }
    }

    private DownloadObjectOptions CreateOptions()
    {
        var options = new DownloadObjectOptions
        {
            Generation = _resource.Generation,
            ChunkSize = HandOverSize,

            // Checked here across resumed attempts (Google's check covers one response only), with Google's rule.
            DownloadValidationMode = DownloadValidationMode.Never,
        };
        var offset = _start + _delivered;
        if (!_transcoded && (offset > 0 || _requestedEnd is not null))
        {
            options.Range = new RangeHeaderValue(offset, _start + ExpectedLength - 1);
        }

        return options;
    }

    /// <summary>Takes bytes from the current attempt: skips what earlier attempts delivered (transcoded objects restart from 0), cuts the range, checksums, hands over.</summary>
    private async Task HandOverAsync(ReadOnlyMemory<byte> data, long attemptOffset, CancellationToken stop)
    {
        // Bytes of this attempt before 'skip' were already delivered (or lie before the wanted range).
        var alreadyHad = _transcoded ? _start + _delivered : 0;
        if (attemptOffset + data.Length <= alreadyHad)
        {
            return;
        }

        if (attemptOffset < alreadyHad)
        {
            data = data[(int)(alreadyHad - attemptOffset)..];
        }

        var wanted = _transcoded
            ? (_requestedEnd is { } end ? Math.Max(0, end - _start + 1 - _delivered) : long.MaxValue)
            : ExpectedLength!.Value - _delivered;
        if (wanted <= 0)
        {
            return;
        }

        if (data.Length > wanted)
        {
            data = data[..(int)wanted];
        }

        await _demand.WaitAsync(stop).ConfigureAwait(false);
        _crc.Append(data.Span);
        _delivered += data.Length;
        await _chunks.Writer.WriteAsync(data.ToArray(), stop).ConfigureAwait(false);
    }

    private void VerifyChecksum()
    {
        // Only a whole object received as stored can be checked against the stored bytes' CRC32C.
        if (!_wholeObject || _transcoded || _resource.Crc32c is not { } expected)
        {
            return;
        }

        var actual = _crc.ToBase64();
        if (!string.Equals(actual, expected, StringComparison.Ordinal))
        {
            throw new ChecksumMismatchException(_resource.Name, expected, actual);
        }
    }

    /// <summary>The destination Google's downloader writes one attempt's bytes to.</summary>
    private sealed class HandOverStream(GcsDownloadStream owner, CancellationToken stop) : Stream
    {
        private long _received;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _received;

        public override long Position
        {
            get => _received;
            set => throw new NotSupportedException("The download hand-over is a write-only, forward-only sink: Google's downloader writes the object into it in order.");
        }

        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            await WriteAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var offset = _received;
            _received += buffer.Length;
            await owner.HandOverAsync(buffer, offset, stop).ConfigureAwait(false);
        }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
            // Nothing is buffered here: every write is handed to the reader before it returns.
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The download hand-over is a write-only, forward-only sink: Google's downloader writes the object into it in order.");

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The download hand-over is a write-only, forward-only sink: Google's downloader writes the object into it in order.");

        public override void SetLength(long value) => throw new NotSupportedException("The download hand-over is a write-only, forward-only sink: Google's downloader writes the object into it in order.");
    }
}
