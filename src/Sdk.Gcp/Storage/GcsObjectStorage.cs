using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Http;
using Stagecraft.Storage;

namespace Stagecraft.Gcp.Storage;

/// <summary>
/// <see cref="IObjectStorage"/> on a Cloud Storage bucket, over the JSON API.
/// </summary>
/// <remarks>
/// <para>Small unconditional writes go up in one multipart request carrying their CRC32C; larger ones and every
/// conditional write go through a resumable session (chunks of <see cref="GcsStorageOptions.ResumableChunkSize"/>,
/// resumed from the server's persisted offset after a 5xx or a broken connection), whose commit happens at most
/// once and whose outcome can be asked for when the answer is lost. Downloads pin the generation they started with, resume with a
/// ranged request after a cut, and verify whole-object reads against the CRC32C in <c>x-goog-hash</c>.</para>
/// <para>Every write carries a unique id in the metadata entry <see cref="WriteIdMetadataKey"/> (hidden from
/// <see cref="ObjectInfo.Metadata"/>). A conditional copy retried after an attempt whose outcome is unknown meets
/// 412 if the first attempt did commit; the id tells that own commit from somebody else's. It also lets tests prove
/// that no write was ever applied twice.</para>
/// </remarks>
public sealed class GcsObjectStorage : IObjectStorage, IDisposable
{
    /// <summary>Reserved metadata key holding the id of the write that produced a generation.</summary>
    public const string WriteIdMetadataKey = "stagecraft-write-id";

    internal static readonly ActivitySource ActivitySource = new("Stagecraft.Gcp.Storage");

    private readonly GcsStorageOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a client for <see cref="GcsStorageOptions.Bucket"/> with its own HTTP connection pool.</summary>
    public GcsObjectStorage(GcsStorageOptions options, ILoggerFactory? loggerFactory = null)
        : this(options, transport: null, loggerFactory)
    {
    }

    /// <summary>
    /// Creates a client that sends through <paramref name="transport"/> (a proxy-aware or instrumented handler).
    /// The client takes ownership of the handler and disposes it.
    /// </summary>
    public GcsObjectStorage(GcsStorageOptions options, HttpMessageHandler? transport, ILoggerFactory? loggerFactory = null)
        : this(options, transport, loggerFactory, Environment.GetEnvironmentVariable)
    {
    }

    internal GcsObjectStorage(GcsStorageOptions options, HttpMessageHandler? transport, ILoggerFactory? loggerFactory, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GcsObjectStorage>();

        var endpoint = GcsEndpoint.Resolve(options, getEnvironmentVariable);
        Endpoint = endpoint.BaseUri;
        UsesEmulator = !endpoint.Authenticated;

        HttpMessageHandler handler = transport ?? new SocketsHttpHandler
        {
            // Hashes cover the stored bytes; transparent decompression would make them unverifiable.
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        if (endpoint.Authenticated)
        {
            var credential = options.Credential;
            handler = new BearerTokenHandler(
                ct => credential is not null ? Task.FromResult(credential) : GcpCredentials.ApplicationDefaultAsync([GcpScopes.StorageReadWrite], ct),
                handler);
        }

        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        Uris = new GcsRequestUris(endpoint.BaseUri, options.Bucket);
        Retry = new GcpRetryPolicy(options.Retry, options.TimeProvider, _logger);
    }

    /// <summary>The bucket this client reads and writes.</summary>
    public string Bucket => _options.Bucket;

    /// <summary>The API root requests go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>True when the endpoint came from <c>STORAGE_EMULATOR_HOST</c> (requests then carry no credential).</summary>
    public bool UsesEmulator { get; }

    internal HttpClient Http { get; }

    internal GcsRequestUris Uris { get; }

    internal GcpRetryPolicy Retry { get; }

    internal ILogger Logger => _logger;

    /// <inheritdoc />
    public async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new PutObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        ValidateMetadata(options.Metadata);

        using var activity = StartActivity("gcs.put", key);
        var writeId = NewWriteId();
        var resource = new GcsObjectWriteResource
        {
            Name = key,
            ContentType = options.ContentType ?? PutObjectOptions.DefaultContentType,
            Metadata = WithWriteId(options.Metadata, writeId),
        };

        var (head, headLength, complete) = await ReadHeadAsync(content, _options.ResumableUploadThreshold, cancellationToken).ConfigureAwait(false);
        GcsObjectResource uploaded;
        if (complete && options.IfGenerationMatch is null)
        {
            // Unconditional and small: one request, never retried (re-sending could overwrite a newer write).
            activity?.SetTag("gcs.upload_type", "multipart");
            uploaded = await MultipartUploadAsync(key, head, headLength, resource, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Large, or conditional: a session commits at most once and, when the answer to the committing request
            // is lost, still tells whether it committed (a status query returns our object). A conditional write
            // retried as a plain request cannot know that once another writer has replaced the generation it made,
            // and would report a spurious precondition failure, so a compare-and-swap loop would apply twice.
            activity?.SetTag("gcs.upload_type", "resumable");
            using var source = new PrefixedReadStream(head.AsMemory(0, headLength), complete ? Stream.Null : content);
            var uploader = new ResumableUploader(this, key, resource, options.IfGenerationMatch, _options.ResumableChunkSize);
            uploaded = await uploader.UploadAsync(source, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("gcs.generation", uploaded.Generation);
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
        var stream = new GcsReadStream(this, key, resource, options.Range);
        try
        {
            await stream.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (stream.ExpectedLength <= _options.InMemoryReadThreshold)
            {
                // Small reads finish here (with resumption and the checksum check), so the caller's stream cannot
                // fail later because the object was overwritten meanwhile.
                var buffer = new MemoryStream((int)stream.ExpectedLength);
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
    public IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Validated here, at the call, not at the first MoveNextAsync of the iterator.
        ObjectKey.ValidatePrefix(prefix);
        options ??= new ListObjectsOptions();
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

    private async IAsyncEnumerable<ObjectListEntry> ListPagesAsync(string prefix, ListObjectsOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var activity = StartActivity("gcs.list", prefix);
        string? pageToken = null;
        string? lastPrefix = null;
        var entries = new List<(string Sort, ObjectListEntry Entry)>();
        do
        {
            var token = pageToken;
            var page = await SendForJsonAsync(
                () => new HttpRequestMessage(HttpMethod.Get, Uris.List(prefix, options.Delimiter, token, options.PageSize)),
                GcsJsonContext.Default.GcsListResponse,
                "list",
                prefix,
                cancellationToken).ConfigureAwait(false);

            // A page holds objects and folded prefixes separately; merge them in name order. A prefix whose
            // names straddle a page boundary comes back on both pages: fold it into one entry.
            entries.Clear();
            foreach (var item in page.Items ?? [])
            {
                entries.Add((item.Name, ObjectListEntry.ForObject(ToObjectInfo(item))));
            }

            foreach (var folded in page.Prefixes ?? [])
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
            pageToken = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (pageToken is not null);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string key, DeleteObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectKey.Validate(key);
        options ??= new DeleteObjectOptions();
        ValidatePrecondition(options.IfGenerationMatch, nameof(options));
        using var activity = StartActivity("gcs.delete", key);

        var expected = options.IfGenerationMatch;
        var outcome = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Delete, Uris.Object(key, expected)),
            idempotent: expected is not null,
            "delete",
            key,
            cancellationToken).ConfigureAwait(false);
        using var response = outcome.Response;
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound when !await IsBucketMissingAsync(response, cancellationToken).ConfigureAwait(false):
                // Missing object: with no precondition (or "must not exist") that is plain "nothing deleted". With a
                // generation precondition, a retry after an interrupted attempt most likely met our own deletion.
                if (expected is null or 0)
                {
                    return false;
                }

                if (outcome.EarlierAttemptFailed)
                {
                    return true;
                }

                throw new PreconditionFailedException(key, expected.Value, 0);
            case HttpStatusCode.PreconditionFailed:
                var current = await TryGetCurrentGenerationAsync(key, cancellationToken).ConfigureAwait(false);
                if (outcome.EarlierAttemptFailed && current == 0)
                {
                    return true;
                }

                throw new PreconditionFailedException(key, expected ?? 0, current);
            default:
                throw await CreateExceptionAsync(response, "delete", key, cancellationToken).ConfigureAwait(false);
        }
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
        var body = new GcsObjectWriteResource
        {
            ContentType = source.ContentType,
            Metadata = WithWriteId(UserMetadata(source), writeId),
        };

        var expected = options.IfGenerationMatch;
        string? rewriteToken = null;
        var earlierAttemptFailed = false;
        while (true)
        {
            var token = rewriteToken;
            var outcome = await SendAsync(
                () => new HttpRequestMessage(HttpMethod.Post, Uris.Rewrite(sourceKey, source.Generation, destinationKey, expected, options.IfSourceGenerationMatch, token))
                {
                    Content = JsonContent.Create(body, GcsJsonContext.Default.GcsObjectWriteResource),
                },
                idempotent: expected is not null,
                "copy",
                destinationKey,
                cancellationToken).ConfigureAwait(false);
            earlierAttemptFailed |= outcome.EarlierAttemptFailed;
            using var response = outcome.Response;
            if (response.IsSuccessStatusCode)
            {
                var rewrite = await ReadJsonAsync(response, GcsJsonContext.Default.GcsRewriteResponse, cancellationToken).ConfigureAwait(false);
                if (rewrite.Done)
                {
                    var copied = rewrite.Resource ?? throw new GcsRequestException($"Cloud Storage reported the copy of '{sourceKey}' to '{destinationKey}' done without the object resource.", response.StatusCode, null);
                    return ToObjectInfo(copied);
                }

                rewriteToken = rewrite.RewriteToken ?? throw new GcsRequestException($"Cloud Storage reported the copy of '{sourceKey}' to '{destinationKey}' unfinished without a rewrite token.", response.StatusCode, null);
                continue;
            }

            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound when !await IsBucketMissingAsync(response, cancellationToken).ConfigureAwait(false):
                    // The pinned source generation was replaced or deleted after we read it.
                    throw new ObjectNotFoundException(sourceKey);
                case HttpStatusCode.PreconditionFailed:
                    var (own, failure) = await ResolvePreconditionFailureAsync(destinationKey, expected ?? 0, writeId, earlierAttemptFailed, cancellationToken).ConfigureAwait(false);
                    return own is not null ? ToObjectInfo(own) : throw failure!;
                default:
                    throw await CreateExceptionAsync(response, "copy", destinationKey, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes the connection pool.</summary>
    public void Dispose() => Http.Dispose();

    /// <summary>One unconditional multipart request (metadata with the CRC32C, then the bytes); not retried.</summary>
    private async Task<GcsObjectResource> MultipartUploadAsync(string key, byte[] buffer, int length, GcsObjectWriteResource resource, CancellationToken cancellationToken)
    {
        var crc = new Crc32C();
        crc.Append(buffer.AsSpan(0, length));
        resource.Crc32c = crc.ToBase64();
        var metadataJson = JsonSerializer.Serialize(resource, GcsJsonContext.Default.GcsObjectWriteResource);

        var outcome = await SendAsync(
            () =>
            {
                var media = new ByteArrayContent(buffer, 0, length);
                media.Headers.TryAddWithoutValidation("Content-Type", resource.ContentType ?? PutObjectOptions.DefaultContentType);
                var multipart = new MultipartContent("related")
                {
                    new StringContent(metadataJson, Encoding.UTF8, "application/json"),
                    media,
                };
                return new HttpRequestMessage(HttpMethod.Post, Uris.MultipartUpload(ifGenerationMatch: null)) { Content = multipart };
            },
            idempotent: false,
            "upload",
            key,
            cancellationToken).ConfigureAwait(false);

        using var response = outcome.Response;
        if (response.IsSuccessStatusCode)
        {
            var uploaded = await ReadJsonAsync(response, GcsJsonContext.Default.GcsObjectResource, cancellationToken).ConfigureAwait(false);
            return VerifyUploaded(key, uploaded, resource.Crc32c);
        }

        throw await CreateExceptionAsync(response, "upload", key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs the object resource; null when it does not exist. A failed generation precondition on an existing object throws.</summary>
    internal async Task<GcsObjectResource?> GetResourceAsync(string key, long? ifGenerationMatch, string operation, CancellationToken cancellationToken)
    {
        var outcome = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, Uris.Object(key, ifGenerationMatch)),
            idempotent: true,
            operation,
            key,
            cancellationToken).ConfigureAwait(false);
        using var response = outcome.Response;
        if (response.IsSuccessStatusCode)
        {
            return await ReadJsonAsync(response, GcsJsonContext.Default.GcsObjectResource, cancellationToken).ConfigureAwait(false);
        }

        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound when !await IsBucketMissingAsync(response, cancellationToken).ConfigureAwait(false):
                // Missing wins over any precondition: callers report "not found", as the service does.
                return null;
            case HttpStatusCode.PreconditionFailed:
                throw new PreconditionFailedException(key, ifGenerationMatch ?? 0, await TryGetCurrentGenerationAsync(key, cancellationToken).ConfigureAwait(false));
            default:
                throw await CreateExceptionAsync(response, operation, key, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// After a 412 on a write: returns our own generation when an interrupted earlier attempt did commit
    /// (the current generation carries <paramref name="writeId"/>), else the precondition failure with the
    /// generation found (0 = missing, null = could not be read).
    /// </summary>
    internal async Task<(GcsObjectResource? Own, PreconditionFailedException? Failure)> ResolvePreconditionFailureAsync(
        string key, long expected, string writeId, bool earlierAttemptFailed, CancellationToken cancellationToken)
    {
        GcsObjectResource? current;
        try
        {
            current = await GetResourceAsync(key, null, "stat", cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException)
        {
            return (null, new PreconditionFailedException(key, expected, null));
        }

        if (earlierAttemptFailed && current is not null && current.WriteId == writeId)
        {
            GcpLog.RecoveredOwnWrite(_logger, key, current.Generation);
            return (current, null);
        }

        return (null, new PreconditionFailedException(key, expected, current?.Generation ?? 0));
    }

    /// <summary>
    /// Sends with the retry policy, wrapping a final transport failure in <see cref="GcsRequestException"/>.
    /// JSON answers are read whole inside the attempt (<paramref name="streamResponse"/> false), media is streamed.
    /// </summary>
    internal async Task<RetryOutcome> SendAsync(Func<HttpRequestMessage> createRequest, bool idempotent, string operation, string? key, CancellationToken cancellationToken, bool streamResponse = false)
    {
        try
        {
            return await Retry.SendAsync(Http, createRequest, idempotent, cancellationToken, bufferContent: !streamResponse).ConfigureAwait(false);
        }
        catch (Exception ex) when (GcpRetryPolicy.IsTransientException(ex, cancellationToken))
        {
            throw new GcsRequestException(
                $"Cloud Storage {operation} of {Describe(key)} failed without a response{(idempotent ? $" after {Retry.MaxAttempts} attempt(s)" : " (not retried: the request is not idempotent without a generation precondition)")}: {ex.Message}",
                statusCode: null,
                error: null,
                ex);
        }
    }

    private async Task<T> SendForJsonAsync<T>(Func<HttpRequestMessage> createRequest, JsonTypeInfo<T> typeInfo, string operation, string? key, CancellationToken cancellationToken)
    {
        var outcome = await SendAsync(createRequest, idempotent: true, operation, key, cancellationToken).ConfigureAwait(false);
        using var response = outcome.Response;
        if (!response.IsSuccessStatusCode)
        {
            throw await CreateExceptionAsync(response, operation, key, cancellationToken).ConfigureAwait(false);
        }

        return await ReadJsonAsync(response, typeInfo, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new GcsRequestException($"Cloud Storage answered {(int)response.StatusCode} with an empty body where a JSON document was expected.", response.StatusCode, null);
        }
        catch (JsonException ex)
        {
            throw new GcsRequestException($"Cloud Storage answered {(int)response.StatusCode} with a body that is not the expected JSON: {ex.Message}", response.StatusCode, null, ex);
        }
    }

    /// <summary>Checks the server's CRC32C of a finished upload against the one computed while sending.</summary>
    internal static GcsObjectResource VerifyUploaded(string key, GcsObjectResource uploaded, string? sentCrc32c)
    {
        if (sentCrc32c is not null && uploaded.Crc32c is not null && !string.Equals(sentCrc32c, uploaded.Crc32c, StringComparison.Ordinal))
        {
            throw new ChecksumMismatchException(key, sentCrc32c, uploaded.Crc32c);
        }

        return uploaded;
    }

    /// <summary>Turns an error response into the most specific exception (the body's error JSON is parsed).</summary>
    internal async Task<Exception> CreateExceptionAsync(HttpResponseMessage response, string operation, string? key, CancellationToken cancellationToken)
    {
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var status = response.StatusCode;
        var detail = error is not null
            ? $"{(int)status} {error.Reason ?? status.ToString()}: {error.Message}"
            : $"{(int)status} {response.ReasonPhrase}";
        var message = $"Cloud Storage {operation} of {Describe(key)} failed: {detail}";

        if (status == HttpStatusCode.BadRequest && key is not null && error?.Message is { } text && text.Contains("CRC32C", StringComparison.OrdinalIgnoreCase))
        {
            return new ChecksumMismatchException(message, new GcsRequestException(message, status, error));
        }

        if (status == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return new ArgumentOutOfRangeException("options", $"{message} (the range starts at or past the end of the object).");
        }

        return new GcsRequestException(message, status, error);
    }

    private static async Task<GoogleApiError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // Buffered so that a second look (bucket-missing check, then the exception) sees the same body.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return GoogleApiError.TryParse(body);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return null;
        }
    }

    /// <summary>A 404 can mean the bucket is missing, which must not read as "object not found".</summary>
    private static async Task<bool> IsBucketMissingAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        return error?.Message is { } message && message.Contains("bucket does not exist", StringComparison.OrdinalIgnoreCase);
    }

    private async Task<long?> TryGetCurrentGenerationAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var current = await GetResourceAsync(key, null, "stat", cancellationToken).ConfigureAwait(false);
            return current?.Generation ?? 0;
        }
        catch (StorageException)
        {
            return null;
        }
    }

    internal string Describe(string? key) => key is null ? $"bucket '{Bucket}'" : $"'{key}' in bucket '{Bucket}'";

    internal static ObjectInfo ToObjectInfo(GcsObjectResource resource) => new(
        resource.Name,
        resource.Size,
        resource.Generation,
        resource.Updated,
        resource.ContentType,
        UserMetadata(resource),
        resource.Md5Hash,
        resource.Crc32c);

    private static Dictionary<string, string> UserMetadata(GcsObjectResource resource)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in resource.Metadata ?? [])
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

    private static readonly int WriteIdBytes = WriteIdMetadataKey.Length + 32;

    /// <summary>
    /// Reads up to <paramref name="threshold"/> + 1 bytes. <c>Complete</c> is true when the stream ended within
    /// the threshold (one multipart request suffices); otherwise the head is the start of a resumable upload.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length, bool Complete)> ReadHeadAsync(Stream content, long threshold, CancellationToken cancellationToken)
    {
        var limit = (int)Math.Min(threshold + 1, Array.MaxLength);
        var initial = content.CanSeek ? (int)Math.Clamp(content.Length - content.Position, 0, limit) : Math.Min(limit, 64 * 1024);
        var buffer = new byte[Math.Max(initial, 1)];
        var length = 0;
        while (length < limit)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit));
            }

            var read = await content.ReadAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer, length, true);
            }

            length += read;
        }

        return (buffer, length, false);
    }

    private Activity? StartActivity(string name, string key)
    {
        var activity = ActivitySource.StartActivity(name, ActivityKind.Client);
        activity?.SetTag("gcs.bucket", Bucket);
        activity?.SetTag("gcs.key", key);
        return activity;
    }
}
