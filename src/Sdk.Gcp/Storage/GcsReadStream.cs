using System.Net;
using System.Net.Http.Headers;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// The content of one object generation (or a byte range of it). When the connection breaks mid-body the
/// stream re-requests the rest with <c>Range: bytes=offset-</c> of the same pinned generation, so the caller
/// sees one uninterrupted, never-spliced stream. Whole-object reads are checked against the CRC32C from
/// <c>x-goog-hash</c> when the last byte arrives; a mismatch throws <see cref="ChecksumMismatchException"/>
/// instead of returning end-of-stream.
/// </summary>
internal sealed class GcsReadStream : Stream
{
    private readonly GcsObjectStorage _owner;
    private readonly string _key;
    private readonly GcsObjectResource _resource;
    private readonly long _start;
    private readonly long? _requestedEnd;
    private readonly long _length;
    private readonly bool _wholeObject;
    private Crc32C? _crc;
    private string? _expectedCrc32c;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private long _position;
    private int _failures;
    private bool _disposed;

    public GcsReadStream(GcsObjectStorage owner, string key, GcsObjectResource resource, ByteRange? range)
    {
        _owner = owner;
        _key = key;
        _resource = resource;
        _start = range?.From ?? 0;
        _requestedEnd = range?.To;
        _wholeObject = range is null;
        var lastByte = Math.Min(_requestedEnd ?? long.MaxValue, resource.Size - 1);
        _length = Math.Max(0, lastByte - _start + 1);
    }

    /// <summary>The number of bytes this stream will deliver (the range clipped to the object).</summary>
    public long ExpectedLength => _length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("Object content streams are forward-only; the size is in ObjectInfo.Size.");

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("Object content streams are forward-only.");
    }

    /// <summary>Issues the first request, so that 404/416 surface from GetAsync rather than from the first read.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        await OpenAtCurrentPositionAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_position >= _length)
        {
            VerifyChecksum();
            return 0;
        }

        while (true)
        {
            try
            {
                if (_body is null)
                {
                    await OpenAtCurrentPositionAsync(cancellationToken).ConfigureAwait(false);
                }

                var wanted = (int)Math.Min(buffer.Length, _length - _position);
                var read = await _body!.ReadAsync(buffer[..wanted], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"The response for '{_key}' ended at byte {_start + _position}, before the expected {_start + _length}.");
                }

                _crc?.Append(buffer.Span[..read]);
                _position += read;
                _failures = 0;
                if (_position == _length)
                {
                    VerifyChecksum();
                }

                return read;
            }
            catch (Exception ex) when (GcpRetryPolicy.IsTransientException(ex, cancellationToken))
            {
                CloseResponse();
                _failures++;
                if (!_owner.Retry.CanRetry(_failures))
                {
                    throw new GcsRequestException($"Download of {_owner.Describe(_key)} failed at byte {_start + _position} after {_failures} consecutive interruptions: {ex.Message}", null, null, ex);
                }

                GcpLog.DownloadInterrupted(_owner.Logger, _key, _start + _position, _failures, ex);
                await _owner.Retry.BackoffAsync(_failures, null, cancellationToken).ConfigureAwait(false);
            }
        }
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
        if (disposing)
        {
            _disposed = true;
            CloseResponse();
        }

        base.Dispose(disposing);
    }

    private async Task OpenAtCurrentPositionAsync(CancellationToken cancellationToken)
    {
        var offset = _start + _position;
        var ranged = offset > 0 || _requestedEnd is not null;
        var outcome = await _owner.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, _owner.Uris.Media(_key, _resource.Generation));
                if (ranged)
                {
                    request.Headers.Range = new RangeHeaderValue(offset, _requestedEnd);
                }

                return request;
            },
            idempotent: true,
            "download",
            _key,
            cancellationToken,
            streamResponse: true).ConfigureAwait(false);

        var response = outcome.Response;
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    // The pinned generation is gone: the object was overwritten or deleted mid-read.
                    throw new ObjectNotFoundException($"Object '{_key}' generation {_resource.Generation} no longer exists (overwritten or deleted while being read).", null);
                }

                throw await _owner.CreateExceptionAsync(response, "download", _key, cancellationToken).ConfigureAwait(false);
            }

            if (ranged && (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset))
            {
                throw new GcsRequestException(
                    $"Download of {_owner.Describe(_key)} asked for bytes from {offset} but got {(int)response.StatusCode} {response.Content.Headers.ContentRange?.ToString() ?? "(no Content-Range)"}.",
                    response.StatusCode,
                    null);
            }

            if (_crc is null && _wholeObject && _position == 0)
            {
                // Hashes describe the stored bytes; a transcoded (gzip-served) body cannot be checked against them.
                var transcoded = response.Content.Headers.ContentEncoding.Count > 0;
                _expectedCrc32c = GoogleHashHeader.GetCrc32c(response) ?? _resource.Crc32c;
                _crc = transcoded || _expectedCrc32c is null ? null : new Crc32C();
            }

            _body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            _response = response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void VerifyChecksum()
    {
        if (_crc is null)
        {
            return;
        }

        var actual = _crc.ToBase64();
        if (!string.Equals(actual, _expectedCrc32c, StringComparison.Ordinal))
        {
            throw new ChecksumMismatchException(_key, _expectedCrc32c, actual);
        }
    }

    private void CloseResponse()
    {
        _body?.Dispose();
        _body = null;
        _response?.Dispose();
        _response = null;
    }
}
