using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
using Google;
using Google.Apis.Upload;
using Google.Cloud.Storage.V1;
using CopyObjectOptions = Stagecraft.Storage.CopyObjectOptions;
using DeleteObjectOptions = Stagecraft.Storage.DeleteObjectOptions;
using GetObjectOptions = Stagecraft.Storage.GetObjectOptions;
using Microsoft.Extensions.Logging;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;
using Stagecraft.Telemetry;
using GcsObject = Google.Apis.Storage.v1.Data.Object;
using GoogleCopyOptions = Google.Cloud.Storage.V1.CopyObjectOptions;
using GoogleDeleteOptions = Google.Cloud.Storage.V1.DeleteObjectOptions;
using GoogleGetOptions = Google.Cloud.Storage.V1.GetObjectOptions;
using GoogleListOptions = Google.Cloud.Storage.V1.ListObjectsOptions;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// <see cref="IObjectStorage"/> on a Cloud Storage bucket, through Google's own client
/// (<see cref="StorageClient"/> from <c>Google.Cloud.Storage.V1</c>).
/// </summary>
/// <remarks>
/// <para>Google's client builds every request, parses every answer, runs resumable uploads (chunks, session status
/// queries, the whole object's CRC32C checked by the server before it commits) and downloads. Stagecraft adds what
/// the object-storage contract needs on top of it: the mapping to typed errors, one retry policy for every call
/// (Google's client retries only some error statuses, never a dropped connection, and waits on a clock that cannot be
/// injected), resumption of interrupted uploads and downloads, and write ids.</para>
/// <para>Every write carries a unique id in the metadata entry <see cref="WriteIdMetadataKey"/> (hidden from
/// <see cref="ObjectInfo.Metadata"/>). A conditional copy retried after an attempt whose outcome is unknown meets
/// 412 if the first attempt did commit; the id tells that own commit from somebody else's. It also lets tests prove
/// that no write was ever applied twice.</para>
/// <para>Disposal: a <see cref="StorageClient"/> the storage built itself (from <see cref="GcsStorageOptions"/>) is
/// disposed with it; a client passed in by the caller stays the caller's to dispose.</para>
/// </remarks>
public sealed class GcsObjectStorage : IObjectStorage, IDisposable
{
    /// <summary>Reserved metadata key holding the id of the write that produced a generation.</summary>
    public const string WriteIdMetadataKey = "stagecraft-write-id";

    internal static readonly ActivitySource ActivitySource = new(StagecraftTelemetry.GcpStorageSource);

    private const string EmptyCrc32c = "AAAAAA==";

    private const string EmptyMd5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

    private static readonly int WriteIdBytes = WriteIdMetadataKey.Length + 32;

    private readonly GcsStorageOptions _options;
    private readonly bool _ownsClient;

    /// <summary>
    /// Creates the storage with a <see cref="StorageClient"/> of its own, built from <paramref name="options"/>
    /// (endpoint, emulator detection, credential); it is disposed with the storage.
    /// </summary>
    public GcsObjectStorage(GcsStorageOptions options)
        : this(null, options, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>
    /// Creates the storage over a caller-configured <paramref name="client"/> (proxy, credential, endpoint as the
    /// caller set them up). The caller keeps ownership: disposing the storage does not dispose the client.
    /// <see cref="GcsStorageOptions.Endpoint"/>, <see cref="GcsStorageOptions.DetectEmulator"/> and
    /// <see cref="GcsStorageOptions.Credential"/> are not used then.
    /// </summary>
    public GcsObjectStorage(StorageClient client, GcsStorageOptions options)
        : this(client ?? throw new ArgumentNullException(nameof(client)), options, Environment.GetEnvironmentVariable)
    {
    }

    internal GcsObjectStorage(StorageClient? client, GcsStorageOptions options, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        Logger = options.LoggerFactory.CreateLogger<GcsObjectStorage>();
        Retry = new GcpRetryPolicy(options.Retry, options.TimeProvider, Logger);
        if (client is not null)
        {
            Client = client;
            Endpoint = GcsStorageClientFactory.ApiRootOf(client);
            UsesEmulator = false;
            _ownsClient = false;
        }
        else
        {
            var endpoint = GcsEndpoint.Resolve(options, getEnvironmentVariable);
            Client = GcsStorageClientFactory.Create(options, endpoint);
            Endpoint = endpoint.BaseUri;
            UsesEmulator = !endpoint.Authenticated;
            _ownsClient = true;
        }
    }

    /// <summary>The bucket this storage reads and writes.</summary>
    public string Bucket => _options.Bucket;

    /// <summary>The API root requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>True when the endpoint came from <c>STORAGE_EMULATOR_HOST</c> (requests then carry no credential).</summary>
    public bool UsesEmulator { get; }

    /// <summary>Google's client every request goes through.</summary>
    public StorageClient Client { get; }

    internal GcpRetryPolicy Retry { get; }

    internal ILogger Logger { get; }

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new PutObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        ValidateMetadata(options.Metadata);
        cancellationToken.ThrowIfCancellationRequested();

        using var activity = StartActivity("gcs.put", key);
        var destination = new GcsObject
        {
            Bucket = Bucket,
            Name = key,
            ContentType = options.ContentType ?? PutObjectOptions.DefaultContentType,
            Metadata = WithWriteId(options.Metadata, NewWriteId()),
        };

        // Google's resumable upload: the session commits at most once and the final request carries the whole
        // object's CRC32C, which the server checks before committing. Every write goes this way, conditional or not.
        var source = new CallerContentStream(content);
        if (await source.IsEmptyAsync(cancellationToken).ConfigureAwait(false))
        {
            // Google's uploader checksums the final request only; when the empty object's one request has to be
            // repeated, its retry (a bare status query) would commit it unverified. Declared checksums are checked
            // at commit whatever request commits (fault-injected contract suite: Empty_objects_are_objects).
            destination.Crc32c = EmptyCrc32c;
            destination.Md5Hash = EmptyMd5;
        }

        var upload = Client.CreateObjectUploader(destination, source, new UploadObjectOptions
        {
            IfGenerationMatch = options.IfGenerationMatch,
            ChunkSize = _options.ResumableChunkSize,
            UploadValidationMode = UploadValidationMode.RejectAndThrow,
        });

        var progress = await upload.UploadAsync(cancellationToken).ConfigureAwait(false);
        var failures = 0;
        var confirmed = 0L;
        while (progress.Status != UploadStatus.Completed)
        {
            if (source.Failure is { } readFailure)
            {
                // The caller's stream failed: that is the caller's error, not a transport one to retry.
                ExceptionDispatchInfo.Capture(readFailure).Throw();
            }

            var failure = progress.Exception ?? new IOException($"The upload of {Describe(key)} ended in state {progress.Status} without an error.");
            if (!IsTransient(failure, cancellationToken))
            {
                throw await MapWriteFailureAsync(failure, "upload", key, options.IfGenerationMatch, cancellationToken).ConfigureAwait(false);
            }

            // A session that confirmed more bytes since the last failure is moving: never abandon it for slowness.
            failures = progress.BytesSent > confirmed ? 1 : failures + 1;
            confirmed = Math.Max(confirmed, progress.BytesSent);
            if (!Retry.CanRetry(failures))
            {
                throw GiveUp(failure, "upload", key, idempotent: true, failures);
            }

            GcpLog.UploadInterrupted(Logger, key, progress.BytesSent, failures, failure);
            await Retry.BackoffAsync(failures, null, cancellationToken).ConfigureAwait(false);

            // Asks the session what it persisted and goes on from there (or starts a new session when none was
            // ever opened); an upload whose committing answer was lost finds its object this way.
            progress = await upload.ResumeAsync(cancellationToken).ConfigureAwait(false);
        }

        var uploaded = upload.ResponseBody ?? throw new GcsRequestException($"Cloud Storage completed the upload of {Describe(key)} without returning the object.");
        activity?.SetTag(StagecraftTags.StorageGeneration, uploaded.Generation);
        return ToObjectInfo(uploaded);
    }

    /// <inheritdoc />
    public async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        options ??= new GetObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        using var activity = StartActivity("gcs.get", key);

        // The media response lacks user metadata, so read the resource first and then pin its generation:
        // the bytes and the ObjectInfo returned always belong to the same generation.
        var resource = await GetResourceAsync(key, options.IfGenerationMatch, "read", cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(key);
        var stream = new GcsDownloadStream(this, resource, options.Range);
        try
        {
            await stream.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (stream.ExpectedLength is { } length && length <= _options.InMemoryReadThreshold)
            {
                // Small reads finish here (with resumption and the checksum check), so the caller's stream cannot
                // fail later because the object was overwritten meanwhile.
                var buffer = new MemoryStream((int)length);
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                await stream.DisposeAsync().ConfigureAwait(false);
                buffer.Position = 0;
                return new ObjectReadResult(ToObjectInfo(resource), buffer);
            }
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ObjectReadResult(ToObjectInfo(resource), stream);
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        using var activity = StartActivity("gcs.stat", key);
        var resource = await GetResourceAsync(key, null, "stat", cancellationToken).ConfigureAwait(false);
        return resource is null ? null : ToObjectInfo(resource);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, Stagecraft.Storage.ListObjectsOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Validated here, at the call, not at the first MoveNextAsync of the iterator.
        ObjectKey.ValidatePrefix(prefix);
        options ??= new Stagecraft.Storage.ListObjectsOptions();
        if (options.Delimiter is { Length: 0 })
        {
            throw new ArgumentException("Delimiter must be null or non-empty.", nameof(options));
        }

        if (options.PageSize is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PageSize, "PageSize must be positive.");
        }

        return ListPagesAsync(prefix, options, cancellationToken);
    }

    private async IAsyncEnumerable<ObjectListEntry> ListPagesAsync(string prefix, Stagecraft.Storage.ListObjectsOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var activity = StartActivity("gcs.list", prefix);
        string? pageToken = null;
        string? lastPrefix = null;
        var entries = new List<(string Sort, ObjectListEntry Entry)>();
        do
        {
            var token = pageToken;
            GcsListPage page;
            try
            {
                // One page per call, so that each page request is retried on its own.
                page = (await RunAsync("list", prefix, idempotent: true, ct => ReadPageAsync(prefix, options, token, ct), cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (GoogleApiException ex)
            {
                throw MapError(ex, "list", null);
            }

            // A page holds objects and folded prefixes separately; merge them in name order. A prefix whose
            // names straddle a page boundary comes back on both pages: fold it into one entry.
            entries.Clear();
            foreach (var item in page.Items)
            {
                entries.Add((item.Name, ObjectListEntry.ForObject(ToObjectInfo(item))));
            }

            foreach (var folded in page.Prefixes)
            {
                entries.Add((folded, ObjectListEntry.ForPrefix(folded)));
            }

            entries.Sort((a, b) => ObjectKeyComparer.Instance.Compare(a.Sort, b.Sort));
            foreach (var (sort, entry) in entries)
            {
                if (entry.IsPrefix)
                {
                    if (lastPrefix is not null && ObjectKeyComparer.Instance.Compare(sort, lastPrefix) <= 0)
                    {
                        continue;
                    }

                    lastPrefix = sort;
                }

                yield return entry;
            }

            // An empty page with a token is legal (the server ran out of time scanning): keep going.
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
    }

    private async Task<GcsListPage> ReadPageAsync(string prefix, Stagecraft.Storage.ListObjectsOptions options, string? pageToken, CancellationToken cancellationToken)
    {
        var request = new GoogleListOptions
        {
            Delimiter = options.Delimiter,
            PageSize = options.PageSize,
            PageToken = pageToken,
            RetryOptions = RetryOptions.Never,
        };
        var pages = Client.ListObjectsAsync(Bucket, prefix.Length == 0 ? null : prefix, request).AsRawResponses();
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
        {
            return new GcsListPage([], [], null);
        }

        var page = enumerator.Current;
        return new GcsListPage(
            [.. page.Items ?? []],
            [.. page.Prefixes ?? []],
            string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        options ??= new DeleteObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        using var activity = StartActivity("gcs.delete", key);

        var expected = options.IfGenerationMatch;
        RetryResult<bool> outcome;
        try
        {
            // Only a delete pinned to a generation may be repeated: an unconditional one could remove a newer object.
            outcome = await RunAsync("delete", key, idempotent: expected is not null, async ct =>
            {
                try
                {
                    await Client.DeleteObjectAsync(Bucket, key, new GoogleDeleteOptions { IfGenerationMatch = expected, RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                    return true;
                }
                catch (GoogleApiException ex) when (IsObjectMissing(ex))
                {
                    return false;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new PreconditionFailedException(key, expected ?? 0, await TryGetCurrentGenerationAsync(key, cancellationToken).ConfigureAwait(false));
        }
        catch (GoogleApiException ex)
        {
            throw MapError(ex, "delete", key);
        }

        if (!outcome.Value && expected is > 0)
        {
            // Gone: deleted by our own earlier attempt whose answer was lost, or missing all along.
            return outcome.EarlierAttemptUnanswered ? true : throw new PreconditionFailedException(key, expected.Value, 0);
        }

        return outcome.Value;
    }

    /// <inheritdoc />
    public async Task<ObjectInfo> CopyAsync(string sourceKey, string destinationKey, CopyObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(sourceKey, nameof(sourceKey));
        ObjectKey.Validate(destinationKey, nameof(destinationKey));
        options ??= new CopyObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        ValidatePrecondition(options.IfSourceGenerationMatch, nameof(options));
        using var activity = StartActivity("gcs.copy", destinationKey);

        // Pin the source generation and carry its metadata explicitly, so the copy gets a fresh write id
        // (the rewrite body's metadata replaces the source's) and is exactly that generation's bytes.
        var source = await GetResourceAsync(sourceKey, options.IfSourceGenerationMatch, "copy", cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(sourceKey);
        var writeId = NewWriteId();
        var copyOptions = new GoogleCopyOptions
        {
            SourceGeneration = source.Generation,
            IfGenerationMatch = options.IfGenerationMatch,
            IfSourceGenerationMatch = options.IfSourceGenerationMatch,
            ExtraMetadata = new GcsObject { ContentType = source.ContentType, Metadata = WithWriteId(UserMetadata(source), writeId) },
            RetryOptions = RetryOptions.Never,
        };

        var expected = options.IfGenerationMatch;
        try
        {
            // Google's client follows the rewrite tokens of a large copy; a retry starts the copy over.
            var copied = await RunAsync("copy", destinationKey, idempotent: expected is not null, ct =>
                Client.CopyObjectAsync(Bucket, sourceKey, Bucket, destinationKey, copyOptions, ct), cancellationToken).ConfigureAwait(false);
            return ToObjectInfo(copied.Value);
        }
        catch (GoogleApiException ex) when (IsObjectMissing(ex))
        {
            // The pinned source generation was replaced or deleted after we read it.
            throw new ObjectNotFoundException(sourceKey);
        }
        catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            // Our own earlier attempt may have committed before its answer was lost: its write id says so.
            var current = await TryGetResourceAsync(destinationKey, cancellationToken).ConfigureAwait(false);
            if (current.Found is { } own && WriteIdOf(own) == writeId)
            {
                GcpLog.RecoveredOwnWrite(Logger, destinationKey, own.Generation ?? 0);
                return ToObjectInfo(own);
            }

            throw new PreconditionFailedException(destinationKey, expected ?? 0, current.Generation);
        }
        catch (GoogleApiException ex)
        {
            throw MapError(ex, "copy", destinationKey);
        }
    }

    /// <summary>Disposes the <see cref="StorageClient"/> when the storage built it; a caller's client is left alone.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }
    }

    /// <summary>Reads the object resource; null when it does not exist. A failed generation precondition throws.</summary>
    internal async Task<GcsObject?> GetResourceAsync(string key, long? ifGenerationMatch, string operation, CancellationToken cancellationToken)
    {
        try
        {
            var result = await RunAsync(operation, key, idempotent: true, async ct =>
            {
                try
                {
                    return await Client.GetObjectAsync(Bucket, key, new GoogleGetOptions { IfGenerationMatch = ifGenerationMatch, RetryOptions = RetryOptions.Never }, ct).ConfigureAwait(false);
                }
                catch (GoogleApiException ex) when (IsObjectMissing(ex))
                {
                    // Missing wins over any precondition: callers report "not found", as the service does.
                    return null;
                }
            }, cancellationToken).ConfigureAwait(false);
            return result.Value;
        }
        catch (GoogleApiException ex) when (ex.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new PreconditionFailedException(key, ifGenerationMatch ?? 0, await TryGetCurrentGenerationAsync(key, cancellationToken).ConfigureAwait(false));
        }
        catch (GoogleApiException ex)
        {
            throw MapError(ex, operation, key);
        }
    }

    /// <summary>
    /// Runs one call of Google's client (made with its own retries off) under <see cref="GcpRetryPolicy"/>: retryable
    /// statuses, dropped connections and timeouts are retried when <paramref name="idempotent"/>; every other
    /// exception, including a non-retryable <see cref="GoogleApiException"/>, propagates unchanged for the caller to map.
    /// </summary>
    internal async Task<RetryResult<T>> RunAsync<T>(string operation, string? key, bool idempotent, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var failures = 0;
        var unanswered = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new RetryResult<T>(await call(cancellationToken).ConfigureAwait(false), unanswered);
            }
            catch (Exception ex) when (IsTransient(ex, cancellationToken))
            {
                // An error status is an answer (the request was not applied); a dropped connection or a timeout is not.
                unanswered |= ex is not GoogleApiException;
                failures++;
                if (!idempotent || !Retry.CanRetry(failures))
                {
                    throw GiveUp(ex, operation, key, idempotent, failures);
                }

                GcpLog.StorageRetrying(Logger, operation, Describe(key), failures, ex);
                await Retry.BackoffAsync(failures, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Retryable statuses (408, 429, 5xx), dropped connections and attempt timeouts; never the caller's cancellation.</summary>
    internal static bool IsTransient(Exception exception, CancellationToken callerToken) => exception switch
    {
        GoogleApiException api => GcpRetryPolicy.IsRetryableStatus(api.HttpStatusCode),
        _ => GcpRetryPolicy.IsTransientException(exception, callerToken),
    };

    /// <summary>The exception for a failure that was retried as far as allowed (or not at all).</summary>
    internal Exception GiveUp(Exception failure, string operation, string? key, bool idempotent, int failures)
    {
        if (failure is GoogleApiException api)
        {
            return MapError(api, operation, key);
        }

        var retried = idempotent
            ? $" after {failures} attempt(s)"
            : " (not retried: the request is not idempotent without a generation precondition)";
        return new GcsRequestException($"Cloud Storage {operation} of {Describe(key)} failed without a response{retried}: {failure.Message}", statusCode: null, error: null, failure);
    }

    /// <summary>Turns an error answer into the most specific exception.</summary>
    internal Exception MapError(GoogleApiException exception, string operation, string? key)
    {
        var error = ToGoogleApiError(exception);
        var status = exception.HttpStatusCode;
        var detail = error is not null
            ? $"{(int)status} {error.Reason ?? status.ToString()}: {error.Message}"
            : $"{(int)status} {exception.Message}";
        var message = $"Cloud Storage {operation} of {Describe(key)} failed: {detail}";

        if (status == HttpStatusCode.BadRequest && key is not null && error?.Message is { } text
            && (text.Contains("CRC32C", StringComparison.OrdinalIgnoreCase) || text.Contains("MD5", StringComparison.OrdinalIgnoreCase)))
        {
            return new ChecksumMismatchException(message, new GcsRequestException(message, status, error, exception));
        }

        if (status == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return new ArgumentOutOfRangeException("options", $"{message} (the range starts at or past the end of the object).");
        }

        return new GcsRequestException(message, status, error, exception);
    }

    internal string Describe(string? key) => key is null ? $"bucket '{Bucket}'" : $"'{key}' in bucket '{Bucket}'";

    /// <summary>A 404 about the object, not about a missing bucket (which must not read as "object not found").</summary>
    internal static bool IsObjectMissing(GoogleApiException exception) =>
        exception.HttpStatusCode == HttpStatusCode.NotFound
        && exception.Error?.Message?.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase) != true;

    internal static ObjectInfo ToObjectInfo(GcsObject resource) => new(
        resource.Name,
        (long)(resource.Size ?? 0),
        resource.Generation ?? 0,
        resource.UpdatedDateTimeOffset ?? default,
        resource.ContentType,
        UserMetadata(resource),
        resource.Md5Hash,
        resource.Crc32c);

    private async Task<Exception> MapWriteFailureAsync(Exception failure, string operation, string key, long? expected, CancellationToken cancellationToken)
    {
        if (failure is not GoogleApiException api)
        {
            // Neither an answer nor a transport failure (say, the uploader refusing its input): reported as it is.
            return failure;
        }

        if (api.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            // At the start of the session or at its commit (somebody wrote the object while we were uploading).
            return new PreconditionFailedException(key, expected ?? 0, await TryGetCurrentGenerationAsync(key, cancellationToken).ConfigureAwait(false));
        }

        return MapError(api, operation, key);
    }

    private async Task<(GcsObject? Found, long? Generation)> TryGetResourceAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var current = await GetResourceAsync(key, null, "stat", cancellationToken).ConfigureAwait(false);
            return (current, current?.Generation ?? 0);
        }
        catch (StorageException)
        {
            return (null, null);
        }
    }

    private async Task<long?> TryGetCurrentGenerationAsync(string key, CancellationToken cancellationToken) =>
        (await TryGetResourceAsync(key, cancellationToken).ConfigureAwait(false)).Generation;

    private static GoogleApiError? ToGoogleApiError(GoogleApiException exception)
    {
        if (exception.Error is not { } error)
        {
            return null;
        }

        var items = (error.Errors ?? [])
            .Select(e => new GoogleApiErrorItem(e.Domain, e.Reason, e.Message, e.LocationType, e.Location))
            .ToList();
        return new GoogleApiError(error.Code, error.Message ?? string.Empty, items);
    }

    private static string? WriteIdOf(GcsObject resource) =>
        resource.Metadata is not null && resource.Metadata.TryGetValue(WriteIdMetadataKey, out var id) ? id : null;

    private static Dictionary<string, string> UserMetadata(GcsObject resource)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in resource.Metadata ?? new Dictionary<string, string>())
        {
            if (name != WriteIdMetadataKey)
            {
                metadata[name] = value;
            }
        }

        return metadata;
    }

    private static Dictionary<string, string> WithWriteId(IReadOnlyDictionary<string, string>? metadata, string writeId)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            result[name] = value;
        }

        result[WriteIdMetadataKey] = writeId;
        return result;
    }

    private static string NewWriteId() => Guid.NewGuid().ToString("N");

    private static void ValidatePrecondition(long? generation, string paramName)
    {
        if (generation is < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, generation, "A generation precondition must be 0 (\"must not exist\") or a positive generation.");
        }
    }

    private static void ValidateMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        ObjectMetadata.Validate(metadata, nameof(metadata));
        if (metadata is null)
        {
            return;
        }

        if (metadata.ContainsKey(WriteIdMetadataKey))
        {
            throw new ArgumentException($"Metadata key '{WriteIdMetadataKey}' is reserved: Stagecraft stamps each write with it to recognise its own commits on retry.", nameof(metadata));
        }

        // The write id travels in the same 8 KiB budget Cloud Storage allows for custom metadata.
        var total = metadata.Sum(entry => Encoding.UTF8.GetByteCount(entry.Key) + Encoding.UTF8.GetByteCount(entry.Value));
        if (total + WriteIdBytes > ObjectMetadata.MaxUtf8Bytes)
        {
            throw new ArgumentException($"Invalid object metadata: keys and values are {total} UTF-8 bytes; with the {WriteIdBytes} bytes of '{WriteIdMetadataKey}' that exceeds Cloud Storage's {ObjectMetadata.MaxUtf8Bytes}.", nameof(metadata));
        }
    }

    private Activity? StartActivity(string name, string key)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Client);
        activity?.SetTag(StagecraftTags.StorageBucket, Bucket);
        activity?.SetTag(StagecraftTags.StorageKey, key);
        return activity;
    }

    private sealed record GcsListPage(IReadOnlyList<GcsObject> Items, IReadOnlyList<string> Prefixes, string? NextPageToken);
}

/// <summary>The value a retried call ended with.</summary>
/// <param name="Value">The call's result.</param>
/// <param name="EarlierAttemptUnanswered">
/// True when an earlier attempt got no answer (dropped connection, timeout): a write may then already have been
/// applied, so a "not found" on the retry may be the echo of our own success.
/// </param>
internal readonly record struct RetryResult<T>(T Value, bool EarlierAttemptUnanswered);
