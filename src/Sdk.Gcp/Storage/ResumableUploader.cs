using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// One resumable upload (JSON API <c>uploadType=resumable</c>): start a session, send chunks of a fixed size
/// (a multiple of 256 KiB) and a final chunk carrying the total size and the whole object's CRC32C in
/// <c>X-Goog-Hash</c>, so the server refuses corrupted bytes before committing.
/// </summary>
/// <remarks>
/// <para>After a retryable failure (408/429/5xx, reset, timeout) nothing is re-sent blindly: the session is
/// asked how much it persisted (<c>Content-Range: bytes */N</c> → 308 with <c>Range</c>, or 200 when the
/// final chunk had in fact committed) and sending resumes from that offset. The session commits at most once,
/// which is why these retries are safe even for an upload without a generation precondition: resuming
/// cannot produce a second write. Only the unconfirmed part of the current chunk is kept in memory.</para>
/// <para>Written here rather than with Google.Apis' <c>ResumableUpload</c> so that chunks go through the same
/// HttpClient, credential handler and retry policy (with its injectable clock) as every other request, and so
/// that the final chunk can carry the CRC32C computed while reading the source once.</para>
/// </remarks>
internal sealed class ResumableUploader(GcsObjectStorage owner, string key, GcsObjectWriteResource resource, long? ifGenerationMatch, int chunkSize)
{
    private readonly byte[] _buffer = new byte[chunkSize];
    private readonly Crc32C _crc = new();
    private long _bufferStart;
    private int _bufferCount;
    private bool _sourceEnded;

    public async Task<GcsObjectResource> UploadAsync(Stream source, CancellationToken cancellationToken)
    {
        var session = await StartSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendAllAsync(session, source, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The upload will not finish (cancelled, precondition failed, retries exhausted): release the session.
            // (Harmless when the session had already committed: the server just refuses the cancel.)
            await CancelSessionAsync(session).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Uri> StartSessionAsync(CancellationToken cancellationToken)
    {
        // Starting a session writes nothing, so it is retried even without a precondition.
        var outcome = await owner.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, owner.Uris.ResumableUpload(key, ifGenerationMatch))
                {
                    Content = JsonContent.Create(resource, GcsJsonContext.Default.GcsObjectWriteResource),
                };
                request.Headers.TryAddWithoutValidation("X-Upload-Content-Type", resource.ContentType);
                return request;
            },
            idempotent: true,
            "resumable upload start",
            key,
            cancellationToken).ConfigureAwait(false);
        using var response = outcome.Response;
        if (response.IsSuccessStatusCode)
        {
            var location = response.Headers.Location
                ?? throw new GcsRequestException($"Cloud Storage started a resumable upload of {owner.Describe(key)} without returning a session URI.", response.StatusCode, null);
            return location.IsAbsoluteUri ? location : new Uri(owner.Endpoint, location);
        }

        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            var (_, failure) = await owner.ResolvePreconditionFailureAsync(key, ifGenerationMatch ?? 0, writeId: string.Empty, earlierAttemptFailed: false, cancellationToken).ConfigureAwait(false);
            throw failure!;
        }

        throw await owner.CreateExceptionAsync(response, "resumable upload start", key, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GcsObjectResource> SendAllAsync(Uri session, Stream source, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            await FillAsync(source, cancellationToken).ConfigureAwait(false);
            var (response, failure) = await owner.Retry.SendOnceAsync(owner.Http, CreateChunkRequest(session), bufferContent: true, cancellationToken).ConfigureAwait(false);
            if (response is not null && !GcpRetryPolicy.IsRetryableStatus(response.StatusCode))
            {
                using (response)
                {
                    if (await TryCompleteAsync(response, cancellationToken).ConfigureAwait(false) is { } done)
                    {
                        return done;
                    }

                    if (Advance(response))
                    {
                        failures = 0;
                        continue;
                    }
                }

                // A 308 that confirmed nothing new: the server dropped the chunk; treat it as a failure.
                failure = new IOException($"The upload session accepted none of the chunk starting at {_bufferStart}.");
                response = null;
            }

            failures++;
            var recovered = await RecoverAsync(session, failures, response, failure, cancellationToken).ConfigureAwait(false);
            if (recovered.Done is { } committed)
            {
                return committed;
            }

            failures = recovered.Failures;
        }
    }

    /// <summary>
    /// Waits, then asks the session what it persisted, until it answers. Returns the committed object when the
    /// interrupted request had in fact finished the upload.
    /// </summary>
    private async Task<(GcsObjectResource? Done, int Failures)> RecoverAsync(Uri session, int failures, HttpResponseMessage? failedResponse, Exception? failure, CancellationToken cancellationToken)
    {
        var retryAfter = failedResponse?.Headers.RetryAfter?.Delta;
        var status = failedResponse?.StatusCode;
        failedResponse?.Dispose();
        while (true)
        {
            if (!owner.Retry.CanRetry(failures))
            {
                throw new GcsRequestException(
                    $"Resumable upload of {owner.Describe(key)} failed at byte {_bufferStart} after {failures} consecutive failures ({(status is { } s ? ((int)s).ToString(CultureInfo.InvariantCulture) : "no response")}).",
                    status,
                    null,
                    failure);
            }

            GcpLog.UploadInterrupted(owner.Logger, key, _bufferStart, failures, failure);
            await owner.Retry.BackoffAsync(failures, retryAfter, cancellationToken).ConfigureAwait(false);

            var (response, queryFailure) = await owner.Retry.SendOnceAsync(owner.Http, CreateStatusQuery(session), bufferContent: true, cancellationToken).ConfigureAwait(false);
            if (response is null || GcpRetryPolicy.IsRetryableStatus(response.StatusCode))
            {
                retryAfter = response?.Headers.RetryAfter?.Delta;
                status = response?.StatusCode;
                failure = queryFailure ?? failure;
                response?.Dispose();
                failures++;
                continue;
            }

            using (response)
            {
                if (await TryCompleteAsync(response, cancellationToken).ConfigureAwait(false) is { } done)
                {
                    return (done, 0);
                }

                Advance(response);
                return (null, failures);
            }
        }
    }

    /// <summary>Tops the buffer up to a full chunk from the source, checksumming every byte once as it is read.</summary>
    private async Task FillAsync(Stream source, CancellationToken cancellationToken)
    {
        while (!_sourceEnded && _bufferCount < _buffer.Length)
        {
            var read = await source.ReadAsync(_buffer.AsMemory(_bufferCount), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _sourceEnded = true;
                break;
            }

            _crc.Append(_buffer.AsSpan(_bufferCount, read));
            _bufferCount += read;
        }
    }

    private HttpRequestMessage CreateChunkRequest(Uri session)
    {
        var content = new ByteArrayContent(_buffer, 0, _bufferCount);
        string range;
        if (_sourceEnded)
        {
            var total = _bufferStart + _bufferCount;
            range = _bufferCount == 0
                ? $"bytes */{total}"
                : FormattableString.Invariant($"bytes {_bufferStart}-{total - 1}/{total}");
        }
        else
        {
            range = FormattableString.Invariant($"bytes {_bufferStart}-{_bufferStart + _bufferCount - 1}/*");
        }

        content.Headers.TryAddWithoutValidation("Content-Range", range);
        var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = content };
        if (_sourceEnded)
        {
            // The whole object's checksum on the final request: the server verifies it before committing.
            request.Headers.TryAddWithoutValidation("X-Goog-Hash", "crc32c=" + _crc.ToBase64());
        }

        return request;
    }

    private HttpRequestMessage CreateStatusQuery(Uri session)
    {
        var content = new ByteArrayContent([]);
        content.Headers.TryAddWithoutValidation("Content-Range", _sourceEnded ? $"bytes */{_bufferStart + _bufferCount}" : "bytes */*");
        return new HttpRequestMessage(HttpMethod.Put, session) { Content = content };
    }

    /// <summary>Returns the committed object for 200/201; throws the mapped error for any other non-308 answer.</summary>
    private async Task<GcsObjectResource?> TryCompleteAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
        {
            var committed = await GcsObjectStorage.ReadJsonAsync(response, GcsJsonContext.Default.GcsObjectResource, cancellationToken).ConfigureAwait(false);
            return GcsObjectStorage.VerifyUploaded(key, committed, _sourceEnded ? _crc.ToBase64() : null);
        }

        if ((int)response.StatusCode == 308)
        {
            return null;
        }

        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            // Checked again at commit: somebody wrote the object while we were uploading.
            var (_, failure) = await owner.ResolvePreconditionFailureAsync(key, ifGenerationMatch ?? 0, writeId: string.Empty, earlierAttemptFailed: false, cancellationToken).ConfigureAwait(false);
            throw failure!;
        }

        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone || (int)response.StatusCode == 499)
        {
            throw new GcsRequestException($"The resumable upload session of {owner.Describe(key)} no longer exists ({(int)response.StatusCode}); the upload was cancelled or expired.", response.StatusCode, null);
        }

        throw await owner.CreateExceptionAsync(response, "resumable upload", key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a 308's <c>Range: bytes=0-N</c> (absent = nothing persisted): drops the confirmed bytes from the
    /// buffer. Returns false when nothing new was confirmed.
    /// </summary>
    private bool Advance(HttpResponseMessage response)
    {
        long persisted = 0;
        if (response.Headers.TryGetValues("Range", out var values))
        {
            var text = values.FirstOrDefault() ?? string.Empty;
            var dash = text.LastIndexOf('-');
            if (!text.StartsWith("bytes=0-", StringComparison.Ordinal) || !long.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
            {
                throw new GcsRequestException($"The resumable upload session of {owner.Describe(key)} answered 308 with an unreadable Range '{text}'.", response.StatusCode, null);
            }

            persisted = last + 1;
        }

        if (persisted < _bufferStart || persisted > _bufferStart + _bufferCount)
        {
            // Bytes before the buffer are gone from memory; bytes past it were never sent. Either way the
            // session and this client disagree, and continuing could corrupt the object.
            throw new GcsRequestException(
                $"The resumable upload session of {owner.Describe(key)} reports {persisted} bytes persisted, outside the unconfirmed window [{_bufferStart}, {_bufferStart + _bufferCount}].",
                response.StatusCode,
                null);
        }

        var confirmed = (int)(persisted - _bufferStart);
        if (confirmed == 0)
        {
            return false;
        }

        Buffer.BlockCopy(_buffer, confirmed, _buffer, 0, _bufferCount - confirmed);
        _bufferCount -= confirmed;
        _bufferStart = persisted;
        return true;
    }

    private async Task CancelSessionAsync(Uri session)
    {
        // Best effort with its own short deadline: the caller's token may be the reason we are here.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, session) { Content = new ByteArrayContent([]) };
            using var response = await owner.Http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            GcpLog.SessionCancelFailed(owner.Logger, key, ex);
        }
    }
}
