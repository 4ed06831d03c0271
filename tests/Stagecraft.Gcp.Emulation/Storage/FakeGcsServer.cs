using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Stagecraft.Gcp.Emulation.Faults;
using Stagecraft.Gcp.Emulation.Hosting;

namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// A fake of the Cloud Storage JSON API on a loopback port: objects with strictly increasing int64 generations,
/// every generation/metageneration precondition (412, and 304 for the NotMatch forms on reads), media, multipart
/// and resumable uploads (308 + <c>Range</c>, <c>bytes */N</c> status queries, 499 on cancel, 256 KiB chunk
/// granularity), CRC32C/MD5 computed on every write and verified against what the client declared, sorted
/// listings with prefix/delimiter folding and deliberately short or empty pages, ranged reads (206/416),
/// multi-call rewrites, the real error JSON, an optional bearer token, and scripted faults (<see cref="Faults"/>).
/// </summary>
/// <remarks>
/// Also: gzip transcoding, bucket reads, metadata patches, <c>matchGlob</c>/<c>startOffset</c>/<c>endOffset</c>
/// listing filters. Anything else a request asks for (an unknown query parameter or resource field, a compressed
/// media body) is answered with 501, never ignored. Not emulated: versioned buckets (old generations), ACLs/IAM,
/// composition, XML API.
/// </remarks>
public sealed partial class FakeGcsServer : IAsyncDisposable
{
    /// <summary>Cloud Storage's resumable chunk granularity.</summary>
    public const int ChunkGranularity = 256 * 1024;

    private readonly object _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, FakeGcsObject>> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UploadSession> _sessions = new(StringComparer.Ordinal);
    private readonly List<FakeGcsCommit> _commits = [];
    private readonly List<FakeGcsRequest> _requests = [];
    private long _lastGeneration;
    private long _sequence;
    private long _listCalls;
    private LoopbackHost? _host;

    private FakeGcsServer(FakeGcsOptions options)
    {
        Options = options;
        _lastGeneration = options.FirstGeneration - 1;
        foreach (var bucket in options.Buckets)
        {
            _buckets[bucket] = new SortedDictionary<string, FakeGcsObject>(CodePointComparer.Instance);
        }
    }

    public FakeGcsOptions Options { get; }

    /// <summary>The API root to give a client as its endpoint.</summary>
    public Uri Endpoint => _host?.BaseUri ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The scripted faults; add rules at any time.</summary>
    public FaultPlan<FakeGcsRequest> Faults { get; } = new();

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<FakeGcsRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every committed write, in commit order.</summary>
    public IReadOnlyList<FakeGcsCommit> Commits
    {
        get
        {
            lock (_gate)
            {
                return [.. _commits];
            }
        }
    }

    /// <summary>Resumable sessions by state: (active, completed, cancelled, failed).</summary>
    public (int Active, int Completed, int Cancelled, int Failed) UploadSessionCounts
    {
        get
        {
            lock (_gate)
            {
                return (
                    _sessions.Values.Count(s => s.State == UploadSessionState.Active),
                    _sessions.Values.Count(s => s.State == UploadSessionState.Completed),
                    _sessions.Values.Count(s => s.State == UploadSessionState.Cancelled),
                    _sessions.Values.Count(s => s.State == UploadSessionState.Failed));
            }
        }
    }

    public static async Task<FakeGcsServer> StartAsync(FakeGcsOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new FakeGcsServer(options ?? new FakeGcsOptions());
        server._host = await LoopbackHost.StartAsync(server.HandleAsync, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>The current generation of an object, or null.</summary>
    public FakeGcsObject? GetObject(string bucket, string name)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(bucket, out var objects) && objects.TryGetValue(name, out var obj) ? obj : null;
        }
    }

    /// <summary>All current objects of a bucket in name order.</summary>
    public IReadOnlyList<FakeGcsObject> GetObjects(string bucket)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(bucket, out var objects) ? [.. objects.Values] : [];
        }
    }

    /// <summary>Creates a bucket (no-op when it exists).</summary>
    public void CreateBucket(string bucket)
    {
        lock (_gate)
        {
            _buckets.TryAdd(bucket, new SortedDictionary<string, FakeGcsObject>(CodePointComparer.Instance));
        }
    }

    /// <summary>Stores an object directly (test setup), as a new generation.</summary>
    /// <param name="contentEncoding">Stored <c>Content-Encoding</c>; with <c>gzip</c>, <paramref name="data"/> must be gzip bytes, and reads without <c>Accept-Encoding: gzip</c> are transcoded.</param>
    public FakeGcsObject Seed(string bucket, string name, byte[] data, string contentType = "application/octet-stream", IReadOnlyDictionary<string, string>? metadata = null, string? contentEncoding = null)
    {
        lock (_gate)
        {
            return Commit(0, FakeGcsOperation.Unknown, bucket, name, data, new ObjectFields(contentType, contentEncoding, metadata ?? new Dictionary<string, string>()), checksumVerified: true);
        }
    }

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        if (!await ApplyMethodOverrideAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var route = Route.Parse(context);
        var request = new FakeGcsRequest(
            Interlocked.Increment(ref _sequence),
            context.Request.Method,
            route.Operation,
            route.Bucket,
            route.Object,
            context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal),
            context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
            context.Request.Headers.ContentRange.ToString() is { Length: > 0 } contentRange ? contentRange : null,
            context.Request.Headers.Range.ToString() is { Length: > 0 } range ? range : null,
            context.Request.ContentLength);
        lock (_gate)
        {
            _requests.Add(request);
        }

        // Session URIs authorise themselves, as on the real service; everything else needs the token.
        if (Options.RequiredBearerToken is { } token && !route.IsSessionRequest)
        {
            if (request.Authorization is null)
            {
                await WriteAsync(context, GcsErrors.Create(401, "required", "Login Required", "header", "Authorization"), null).ConfigureAwait(false);
                return;
            }

            if (request.Authorization != "Bearer " + token)
            {
                await WriteAsync(context, GcsErrors.Create(401, "authError", "Invalid Credentials", "header", "Authorization"), null).ConfigureAwait(false);
                return;
            }
        }

        var fault = Faults.Next(request);
        switch (fault?.Kind)
        {
            case FaultKind.Status:
                await DrainAsync(context).ConfigureAwait(false);
                await WriteAsync(context, GcsErrors.ForStatus(fault.StatusCode), null).ConfigureAwait(false);
                return;
            case FaultKind.ResetBeforeProcessing:
                context.Abort();
                return;
        }

        FakeResponse response;
        try
        {
            CheckEmulated(context, request);
            response = await DispatchAsync(context, route, request, fault).ConfigureAwait(false);
        }
        catch (NotEmulatedException ex)
        {
            await DrainAsync(context).ConfigureAwait(false);
            response = GcsErrors.Create(501, "notImplemented", ex.Message);
        }
        catch (ConnectionCutException)
        {
            context.Abort();
            return;
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // The client went away mid-request: nothing to answer.
            context.Abort();
            return;
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or FormatException)
        {
            // Malformed input is the client's bug: say what was wrong, as the real API does with 400.
            response = GcsErrors.Invalid($"Malformed request: {ex.Message}");
        }

        if (fault?.Kind == FaultKind.ResetAfterProcessing)
        {
            context.Abort();
            return;
        }

        await WriteAsync(context, response, fault).ConfigureAwait(false);
    }

    private Task<FakeResponse> DispatchAsync(HttpContext context, Route route, FakeGcsRequest request, FaultRule<FakeGcsRequest>? fault) => route.Operation switch
    {
        FakeGcsOperation.List => Task.FromResult(List(route, request)),
        FakeGcsOperation.GetMetadata => Task.FromResult(Read(context, route, request, media: false)),
        FakeGcsOperation.Download => Task.FromResult(Read(context, route, request, media: true)),
        FakeGcsOperation.Delete => Task.FromResult(Delete(route, request)),
        FakeGcsOperation.Rewrite or FakeGcsOperation.CopyTo => RewriteAsync(context, route, request),
        FakeGcsOperation.MediaUpload => MediaUploadAsync(context, route, request),
        FakeGcsOperation.MultipartUpload => MultipartUploadAsync(context, route, request),
        FakeGcsOperation.ResumableStart => ResumableStartAsync(context, route, request),
        FakeGcsOperation.ResumableChunk or FakeGcsOperation.ResumableStatus => ResumableChunkAsync(context, request, fault),
        FakeGcsOperation.ResumableCancel => Task.FromResult(ResumableCancel(request)),
        FakeGcsOperation.GetBucket => Task.FromResult(GetBucket(route)),
        FakeGcsOperation.PatchMetadata => PatchMetadataAsync(context, route, request),
        _ => throw new NotEmulatedException($"{context.Request.Method} {context.Request.Path}"),
    };

    // ---------------------------------------------------------------- reads

    private FakeResponse List(Route route, FakeGcsRequest request)
    {
        var query = request.Query;
        var prefix = query.GetValueOrDefault("prefix") ?? string.Empty;
        var delimiter = query.GetValueOrDefault("delimiter") is { Length: > 0 } d ? d : null;
        var maxResults = query.TryGetValue("maxResults", out var max) ? int.Parse(max, CultureInfo.InvariantCulture) : 1000;
        if (maxResults <= 0)
        {
            return GcsErrors.Invalid($"Invalid value for maxResults: {max}");
        }

        string? cursor = null;
        if (query.TryGetValue("pageToken", out var pageToken))
        {
            if (!TryDecodeToken(pageToken, out cursor))
            {
                return GcsErrors.Invalid("Invalid page token.");
            }
        }

        var startOffset = query.GetValueOrDefault("startOffset");
        var endOffset = query.GetValueOrDefault("endOffset");
        var glob = query.TryGetValue("matchGlob", out var pattern) ? GlobPattern.ToRegex(pattern) : null;
        bool Wanted(string name) =>
            (startOffset is null || CodePointComparer.Instance.Compare(name, startOffset) >= 0)
            && (endOffset is null || CodePointComparer.Instance.Compare(name, endOffset) < 0)
            && (glob is null || glob.IsMatch(name));

        var call = Interlocked.Increment(ref _listCalls);
        List<string> names;
        Dictionary<string, FakeGcsObject> snapshot;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.Bucket!, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            names = [];
            snapshot = [];
            foreach (var (name, obj) in objects)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal) && (cursor is null || CodePointComparer.Instance.Compare(name, cursor) > 0) && Wanted(name))
                {
                    names.Add(name);
                    snapshot[name] = obj;
                }
            }
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", "storage#objects");
            if (Options.EmptyPageEvery > 0 && call % Options.EmptyPageEvery == 0 && names.Count > 0)
            {
                // A legal page: nothing in it, but more to come.
                json.WriteString("nextPageToken", EncodeToken(cursor ?? string.Empty));
                json.WriteEndObject();
                json.Flush();
                return FakeResponse.Json(200, buffer.ToArray());
            }

            var limit = Math.Min(maxResults, Options.MaxPageSize);
            var items = new List<FakeGcsObject>();
            var prefixes = new List<string>();
            string? last = null;
            var scanned = 0;
            foreach (var name in names)
            {
                if (Options.MaxScannedPerPage > 0 && scanned >= Options.MaxScannedPerPage)
                {
                    break;
                }

                string? folded = null;
                if (delimiter is not null)
                {
                    var at = name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        folded = name[..(at + delimiter.Length)];
                    }
                }

                var isNew = folded is null || prefixes.Count == 0 || prefixes[^1] != folded;
                if (isNew && items.Count + prefixes.Count >= limit)
                {
                    break;
                }

                if (folded is null)
                {
                    items.Add(snapshot[name]);
                }
                else if (isNew)
                {
                    prefixes.Add(folded);
                }

                last = name;
                scanned++;
            }

            if (items.Count > 0)
            {
                json.WriteStartArray("items");
                foreach (var item in items)
                {
                    WriteObject(json, item);
                }

                json.WriteEndArray();
            }

            if (prefixes.Count > 0)
            {
                json.WriteStartArray("prefixes");
                foreach (var folded in prefixes)
                {
                    json.WriteStringValue(folded);
                }

                json.WriteEndArray();
            }

            if (last is not null && names[^1] != last)
            {
                json.WriteString("nextPageToken", EncodeToken(last));
            }

            json.WriteEndObject();
        }

        return FakeResponse.Json(200, buffer.ToArray());
    }

    private FakeResponse Read(HttpContext context, Route route, FakeGcsRequest request, bool media)
    {
        FakeGcsObject? obj;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.Bucket!, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            obj = objects.GetValueOrDefault(route.Object!);
        }

        if (obj is null || (TryGetLong(request.Query, "generation", out var pinned) && pinned != obj.Generation))
        {
            return GcsErrors.NoSuchObject(route.Bucket!, route.Object!);
        }

        switch (CheckReadPreconditions(request.Query, obj))
        {
            case 412:
                return GcsErrors.ConditionNotMet();
            case 304:
                return FakeResponse.Empty(304);
        }

        if (!media)
        {
            return ObjectResponse(200, obj);
        }

        if (Transcodes(context, obj))
        {
            // Served decompressed, whole (any Range is ignored), without Content-Encoding or Content-Length; the
            // hashes still describe the stored gzip bytes, and the stored-encoding header says so.
            return new FakeResponse(200, Gunzip(obj.Data), obj.ContentType) { Chunked = true }
                .WithHeader("x-goog-hash", $"crc32c={obj.Crc32c},md5={obj.Md5Hash}")
                .WithHeader("x-goog-generation", Invariant(obj.Generation))
                .WithHeader("x-goog-metageneration", Invariant(obj.Metageneration))
                .WithHeader("x-goog-stored-content-length", Invariant(obj.Data.LongLength))
                .WithHeader("x-goog-stored-content-encoding", "gzip")
                .WithHeader("Warning", "214 UploadServer gunzipped")
                .WithHeader("ETag", Etag(obj));
        }

        var size = obj.Data.LongLength;
        long from = 0;
        var to = size - 1;
        var status = 200;
        var rangeHeader = context.Request.Headers.Range.ToString();
        if (rangeHeader.Length > 0)
        {
            var match = RangeHeader().Match(rangeHeader);
            if (!match.Success)
            {
                return GcsErrors.Invalid($"Unparseable Range header '{rangeHeader}'.");
            }

            if (match.Groups["from"].Success)
            {
                from = long.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
                if (match.Groups["to"].Success)
                {
                    to = Math.Min(to, long.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture));
                }
            }
            else
            {
                var suffix = long.Parse(match.Groups["suffix"].Value, CultureInfo.InvariantCulture);
                from = Math.Max(0, size - suffix);
            }

            if (from >= size)
            {
                return GcsErrors.Create(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.", "header", "Range")
                    .WithHeader("Content-Range", $"bytes */{size}");
            }

            status = 206;
        }

        var body = obj.Data.AsSpan((int)from, (int)(to - from + 1)).ToArray();
        var response = new FakeResponse(status, body, obj.ContentType)
            .WithHeader("x-goog-hash", $"crc32c={obj.Crc32c},md5={obj.Md5Hash}")
            .WithHeader("x-goog-generation", obj.Generation.ToString(CultureInfo.InvariantCulture))
            .WithHeader("x-goog-metageneration", obj.Metageneration.ToString(CultureInfo.InvariantCulture))
            .WithHeader("x-goog-stored-content-length", size.ToString(CultureInfo.InvariantCulture))
            .WithHeader("x-goog-stored-content-encoding", obj.ContentEncoding ?? "identity")
            .WithHeader("ETag", Etag(obj))
            .WithHeader("Accept-Ranges", "bytes");
        if (status == 206)
        {
            response.WithHeader("Content-Range", $"bytes {from}-{to}/{size}");
        }

        if (obj.ContentEncoding is { } encoding)
        {
            // The stored (compressed) bytes, labelled so the client can decode them.
            response.WithHeader("Content-Encoding", encoding);
        }

        return response;
    }

    // ---------------------------------------------------------------- delete, rewrite

    private FakeResponse Delete(Route route, FakeGcsRequest request)
    {
        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.Bucket!, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            var obj = objects.GetValueOrDefault(route.Object!);
            if (obj is null || (TryGetLong(request.Query, "generation", out var pinned) && pinned != obj.Generation))
            {
                return GcsErrors.NoSuchObject(route.Bucket!, route.Object!);
            }

            if (!WritePreconditionsHold(request.Query, obj))
            {
                return GcsErrors.ConditionNotMet();
            }

            objects.Remove(route.Object!);
            return FakeResponse.Empty(204);
        }
    }

    private async Task<FakeResponse> RewriteAsync(HttpContext context, Route route, FakeGcsRequest request)
    {
        var body = await ReadBodyAsync(context, limit: null).ConfigureAwait(false);
        var fields = ParseObjectJson(body.Data);
        var query = request.Query;
        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.SourceBucket!, out var sources) || !_buckets.TryGetValue(route.Bucket!, out var destinations))
            {
                return GcsErrors.NoSuchBucket();
            }

            var source = sources.GetValueOrDefault(route.SourceObject!);
            if (source is null || (TryGetLong(query, "sourceGeneration", out var pinned) && pinned != source.Generation))
            {
                return GcsErrors.NoSuchObject(route.SourceBucket!, route.SourceObject!);
            }

            if ((TryGetLong(query, "ifSourceGenerationMatch", out var sourceMatch) && sourceMatch != source.Generation)
                || (TryGetLong(query, "ifSourceGenerationNotMatch", out var sourceNotMatch) && sourceNotMatch == source.Generation)
                || (TryGetLong(query, "ifSourceMetagenerationMatch", out var sourceMeta) && sourceMeta != source.Metageneration))
            {
                return GcsErrors.ConditionNotMet();
            }

            if (!WritePreconditionsHold(query, destinations.GetValueOrDefault(route.Object!)))
            {
                return GcsErrors.ConditionNotMet();
            }

            var size = source.Data.LongLength;
            long done = 0;
            if (query.TryGetValue("rewriteToken", out var token) && !TryParseRewriteToken(token, source.Generation, out done))
            {
                return GcsErrors.Invalid("Invalid rewrite token (the source changed or the token is not ours).");
            }

            if (route.Operation == FakeGcsOperation.Rewrite && Options.RewriteBytesPerCall > 0 && done + Options.RewriteBytesPerCall < size)
            {
                done += Options.RewriteBytesPerCall;
                return Json(200, json =>
                {
                    json.WriteString("kind", "storage#rewriteResponse");
                    json.WriteString("totalBytesRewritten", done.ToString(CultureInfo.InvariantCulture));
                    json.WriteString("objectSize", size.ToString(CultureInfo.InvariantCulture));
                    json.WriteBoolean("done", false);
                    json.WriteString("rewriteToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{source.Generation}:{done}"))));
                });
            }

            var copy = Commit(request.Sequence, route.Operation, route.Bucket!, route.Object!, source.Data, new ObjectFields(fields.ContentType ?? source.ContentType, fields.ContentEncoding ?? source.ContentEncoding, fields.Metadata ?? source.Metadata), checksumVerified: true);
            if (route.Operation == FakeGcsOperation.CopyTo)
            {
                return ObjectResponse(200, copy);
            }

            return Json(200, json =>
            {
                json.WriteString("kind", "storage#rewriteResponse");
                json.WriteString("totalBytesRewritten", size.ToString(CultureInfo.InvariantCulture));
                json.WriteString("objectSize", size.ToString(CultureInfo.InvariantCulture));
                json.WriteBoolean("done", true);
                json.WritePropertyName("resource");
                WriteObject(json, copy);
            });
        }
    }

    // ---------------------------------------------------------------- simple uploads

    private async Task<FakeResponse> MediaUploadAsync(HttpContext context, Route route, FakeGcsRequest request)
    {
        if (!request.Query.TryGetValue("name", out var name) || name.Length == 0)
        {
            return GcsErrors.Create(400, "required", "Required parameter: name");
        }

        var body = await ReadBodyAsync(context, limit: null).ConfigureAwait(false);
        return CommitChecked(request, route.Bucket!, name, body.Data, new ObjectFields(context.Request.ContentType, null, null), null, null);
    }

    private async Task<FakeResponse> MultipartUploadAsync(HttpContext context, Route route, FakeGcsRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, "multipart/related", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return GcsErrors.Invalid("Multipart upload requires Content-Type multipart/related with a boundary.");
        }

        // Each section's body must be read before asking for the next section (which skips the rest).
        var reader = new MultipartReader(boundary, context.Request.Body);
        var metadataSection = await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false);
        using var metadataBuffer = new MemoryStream();
        if (metadataSection is not null)
        {
            await metadataSection.Body.CopyToAsync(metadataBuffer, context.RequestAborted).ConfigureAwait(false);
        }

        var mediaSection = metadataSection is null ? null : await reader.ReadNextSectionAsync(context.RequestAborted).ConfigureAwait(false);
        if (metadataSection is null || mediaSection is null)
        {
            return GcsErrors.Invalid("Multipart upload requires a metadata part and a media part.");
        }

        using var mediaBuffer = new MemoryStream();
        await mediaSection.Body.CopyToAsync(mediaBuffer, context.RequestAborted).ConfigureAwait(false);

        var fields = ParseObjectJson(metadataBuffer.ToArray());
        var name = fields.Name ?? request.Query.GetValueOrDefault("name");
        if (string.IsNullOrEmpty(name))
        {
            return GcsErrors.Create(400, "required", "Required parameter: name");
        }

        return CommitChecked(request, route.Bucket!, name, mediaBuffer.ToArray(), fields with { ContentType = fields.ContentType ?? mediaSection.ContentType }, fields.Crc32c, fields.Md5);
    }

    private FakeResponse CommitChecked(FakeGcsRequest request, string bucket, string name, byte[] data, ObjectFields fields, string? declaredCrc32c, string? declaredMd5)
    {
        if (ChecksumMismatch(data, declaredCrc32c, declaredMd5) is { } mismatch)
        {
            return mismatch;
        }

        lock (_gate)
        {
            if (!_buckets.TryGetValue(bucket, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            if (!WritePreconditionsHold(request.Query, objects.GetValueOrDefault(name)))
            {
                return GcsErrors.ConditionNotMet();
            }

            var verified = declaredCrc32c is not null || declaredMd5 is not null;
            return ObjectResponse(200, Commit(request.Sequence, request.Operation, bucket, name, data, fields, verified));
        }
    }

    // ---------------------------------------------------------------- resumable uploads

    private async Task<FakeResponse> ResumableStartAsync(HttpContext context, Route route, FakeGcsRequest request)
    {
        var body = await ReadBodyAsync(context, limit: null).ConfigureAwait(false);
        var fields = ParseObjectJson(body.Data);
        var name = fields.Name is { Length: > 0 } named ? named : request.Query.GetValueOrDefault("name");

        if (string.IsNullOrEmpty(name))
        {
            return GcsErrors.Create(400, "required", "Required parameter: name");
        }

        var contentType = fields.ContentType ?? (context.Request.Headers["X-Upload-Content-Type"].ToString() is { Length: > 0 } declared ? declared : "application/octet-stream");
        var preconditions = request.Query
            .Where(q => q.Key.StartsWith("if", StringComparison.Ordinal))
            .ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal);
        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.Bucket!, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            if (!WritePreconditionsHold(preconditions, objects.GetValueOrDefault(name)))
            {
                return GcsErrors.ConditionNotMet();
            }

            var session = new UploadSession(Guid.NewGuid().ToString("N"), route.Bucket!, name, fields with { ContentType = contentType }, preconditions);
            _sessions[session.Id] = session;
            var location = $"{Endpoint.AbsoluteUri}upload/storage/v1/b/{Uri.EscapeDataString(route.Bucket!)}/o?uploadType=resumable&name={Uri.EscapeDataString(name)}&upload_id={session.Id}";
            return FakeResponse.Empty(200).WithHeader("Location", location);
        }
    }

    private async Task<FakeResponse> ResumableChunkAsync(HttpContext context, FakeGcsRequest request, FaultRule<FakeGcsRequest>? fault)
    {
        UploadSession? session;
        lock (_gate)
        {
            session = request.Query.TryGetValue("upload_id", out var id) ? _sessions.GetValueOrDefault(id) : null;
        }

        if (session is null)
        {
            return GcsErrors.Create(404, "notFound", "No such upload session.");
        }

        // Without Content-Range the request carries the whole object; 'bytes N-*/T' (or '/*') the rest of it from N.
        // Either way it is the final request, as Google's clients send a single-request upload.
        var match = ContentRangeHeader().Match(request.ContentRange ?? "bytes 0-*/*");
        if (!match.Success)
        {
            return GcsErrors.Invalid($"Resumable upload requests need Content-Range 'bytes a-b/total', 'bytes a-*/total' or 'bytes */total', got '{request.ContentRange}'.");
        }

        long? total = match.Groups["total"].Value == "*" ? null : long.Parse(match.Groups["total"].Value, CultureInfo.InvariantCulture);
        var hasData = match.Groups["from"].Success;
        var openEnded = match.Groups["open"].Success;
        long? cutAfter = fault?.Kind == FaultKind.CutRequestBody ? fault.Bytes : null;
        var body = await ReadBodyAsync(context, cutAfter).ConfigureAwait(false);
        if (openEnded && !body.Cut)
        {
            var start = long.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
            var whole = start + body.Data.Length;
            if (total is { } declared && declared != whole)
            {
                return GcsErrors.Invalid($"Content-Range '{request.ContentRange}' declares {declared} bytes in all but the request ends at {whole}.");
            }

            total = whole;
            if (body.Data.Length == 0)
            {
                // Nothing more to send: the same as 'bytes */N'.
                hasData = false;
            }
        }

        lock (session)
        {
            switch (session.State)
            {
                case UploadSessionState.Completed:
                    return ObjectResponse(200, session.Result!);
                case UploadSessionState.Cancelled:
                    return GcsErrors.Create(410, "gone", "The upload session was cancelled.");
                case UploadSessionState.Failed:
                    return session.Failure!;
            }

            var received = session.Received.Length;
            if (!hasData)
            {
                if (body.Data.Length != 0)
                {
                    return GcsErrors.Invalid("A 'bytes */N' request must have an empty body.");
                }

                if (total is { } declaredTotal && received == declaredTotal)
                {
                    return Finalize(session, request, context);
                }

                if (total is { } tooSmall && received > tooSmall)
                {
                    return GcsErrors.Invalid($"The declared total {tooSmall} is less than the {received} bytes already received.");
                }

                return Incomplete(session);
            }

            var from = long.Parse(match.Groups["from"].Value, CultureInfo.InvariantCulture);
            var to = openEnded ? from + body.Data.Length - 1 : long.Parse(match.Groups["to"].Value, CultureInfo.InvariantCulture);
            if (openEnded && body.Cut)
            {
                // Broken mid-request: keep the whole 256 KiB units received, as below, and wait for a resend.
                total = null;
            }

            var length = to - from + 1;
            if (length <= 0 || (total is { } t && to >= t))
            {
                return GcsErrors.Invalid($"Content-Range '{request.ContentRange}' is inconsistent.");
            }

            if (!body.Cut && body.Data.Length != length)
            {
                return GcsErrors.Invalid($"Content-Range declares {length} bytes but the body has {body.Data.Length}.");
            }

            var isFinal = total is { } whole && to + 1 == whole;
            if (!isFinal && !body.Cut && length % ChunkGranularity != 0)
            {
                return GcsErrors.Invalid($"Invalid request. The number of bytes uploaded is required to be a multiple of {ChunkGranularity} bytes, except for the final request (got {length}).");
            }

            if (from > received)
            {
                return GcsErrors.Invalid($"Content-Range starts at {from}, past the {received} bytes persisted so far.");
            }

            // Bytes before 'received' were already persisted: an overlapping resend is accepted and ignored.
            var skip = (int)Math.Min(received - from, body.Data.Length);
            var fresh = body.Data.AsSpan(skip);
            if (body.Cut)
            {
                // Like the real service, persist only whole 256 KiB units of a broken request.
                var keep = fresh.Length / ChunkGranularity * ChunkGranularity;
                session.Received.Write(fresh[..keep]);
                throw new ConnectionCutException();
            }

            session.Received.Write(fresh);
            if (isFinal && session.Received.Length == total)
            {
                return Finalize(session, request, context);
            }

            return Incomplete(session);
        }
    }

    private FakeResponse Finalize(UploadSession session, FakeGcsRequest request, HttpContext context)
    {
        var data = session.Received.ToArray();
        var hashHeader = context.Request.Headers["X-Goog-Hash"].ToString();
        var headerCrc = ParseHashHeader(hashHeader, "crc32c");
        var headerMd5 = ParseHashHeader(hashHeader, "md5");
        if (ChecksumMismatch(data, headerCrc ?? session.Fields.Crc32c, headerMd5) is { } mismatch)
        {
            return Fail(session, mismatch);
        }

        lock (_gate)
        {
            if (!_buckets.TryGetValue(session.Bucket, out var objects))
            {
                return Fail(session, GcsErrors.NoSuchBucket());
            }

            if (!WritePreconditionsHold(session.Preconditions, objects.GetValueOrDefault(session.Name)))
            {
                return Fail(session, GcsErrors.ConditionNotMet());
            }

            var verified = (headerCrc ?? session.Fields.Crc32c ?? headerMd5) is not null;
            session.Result = Commit(request.Sequence, FakeGcsOperation.ResumableChunk, session.Bucket, session.Name, data, session.Fields, verified);
            session.State = UploadSessionState.Completed;
            return ObjectResponse(200, session.Result);
        }
    }

    private static FakeResponse Fail(UploadSession session, FakeResponse failure)
    {
        session.State = UploadSessionState.Failed;
        session.Failure = failure;
        return failure;
    }

    private static FakeResponse Incomplete(UploadSession session)
    {
        var response = FakeResponse.Empty(308);
        if (session.Received.Length > 0)
        {
            response.WithHeader("Range", $"bytes=0-{session.Received.Length - 1}");
        }

        return response;
    }

    private FakeResponse ResumableCancel(FakeGcsRequest request)
    {
        UploadSession? session;
        lock (_gate)
        {
            session = request.Query.TryGetValue("upload_id", out var id) ? _sessions.GetValueOrDefault(id) : null;
        }

        if (session is null)
        {
            return GcsErrors.Create(404, "notFound", "No such upload session.");
        }

        lock (session)
        {
            if (session.State == UploadSessionState.Completed)
            {
                return GcsErrors.Create(400, "invalid", "The upload already completed and cannot be cancelled.");
            }

            session.State = UploadSessionState.Cancelled;
            return FakeResponse.Empty(499);
        }
    }

    // ---------------------------------------------------------------- shared rules

    /// <summary>Must be called under <see cref="_gate"/>. Hands out the next (strictly greater) generation.</summary>
    private FakeGcsObject Commit(long sequence, FakeGcsOperation operation, string bucket, string name, byte[] data, ObjectFields fields, bool checksumVerified)
    {
        var contentType = fields.ContentType ?? "application/octet-stream";
        var metadata = fields.Metadata ?? new Dictionary<string, string>();
        var objects = _buckets[bucket];
        var generation = ++_lastGeneration;
        var obj = new FakeGcsObject(
            bucket,
            name,
            generation,
            1,
            data,
            contentType,
            new Dictionary<string, string>(metadata, StringComparer.Ordinal),
            StoredChecksums.Crc32c(data),
            StoredChecksums.Md5(data),
            Options.TimeProvider.GetUtcNow(),
            fields.ContentEncoding);
        objects[name] = obj;
        _commits.Add(new FakeGcsCommit(sequence, operation, obj, checksumVerified));
        return obj;
    }

    private static bool WritePreconditionsHold(IReadOnlyDictionary<string, string> query, FakeGcsObject? current)
    {
        if (TryGetLong(query, "ifGenerationMatch", out var match) && (match == 0 ? current is not null : current?.Generation != match))
        {
            return false;
        }

        if (TryGetLong(query, "ifGenerationNotMatch", out var notMatch) && (notMatch == 0 ? current is null : current?.Generation == notMatch))
        {
            return false;
        }

        if (TryGetLong(query, "ifMetagenerationMatch", out var metaMatch) && current?.Metageneration != metaMatch)
        {
            return false;
        }

        return !(TryGetLong(query, "ifMetagenerationNotMatch", out var metaNotMatch) && current?.Metageneration == metaNotMatch);
    }

    /// <summary>0 = fine, 412 = a Match condition failed, 304 = a NotMatch condition matched.</summary>
    private static int CheckReadPreconditions(IReadOnlyDictionary<string, string> query, FakeGcsObject current)
    {
        if ((TryGetLong(query, "ifGenerationMatch", out var match) && match != current.Generation)
            || (TryGetLong(query, "ifMetagenerationMatch", out var metaMatch) && metaMatch != current.Metageneration))
        {
            return 412;
        }

        if ((TryGetLong(query, "ifGenerationNotMatch", out var notMatch) && notMatch == current.Generation)
            || (TryGetLong(query, "ifMetagenerationNotMatch", out var metaNotMatch) && metaNotMatch == current.Metageneration))
        {
            return 304;
        }

        return 0;
    }

    private static FakeResponse? ChecksumMismatch(byte[] data, string? declaredCrc32c, string? declaredMd5)
    {
        var crc = StoredChecksums.Crc32c(data);
        if (declaredCrc32c is not null && declaredCrc32c != crc)
        {
            return GcsErrors.Invalid($"Provided CRC32C \"{declaredCrc32c}\" doesn't match calculated CRC32C \"{crc}\".");
        }

        var md5 = StoredChecksums.Md5(data);
        if (declaredMd5 is not null && declaredMd5 != md5)
        {
            return GcsErrors.Invalid($"Provided MD5 hash \"{declaredMd5}\" doesn't match calculated MD5 hash \"{md5}\".");
        }

        return null;
    }

    private static string? ParseHashHeader(string header, string algorithm)
    {
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(algorithm + "=", StringComparison.OrdinalIgnoreCase))
            {
                return part[(algorithm.Length + 1)..];
            }
        }

        return null;
    }

    /// <summary>
    /// The object resource a request carried. Fields the fake does not emulate (ACLs, cache control, encryption,
    /// retention...) are refused with 501 rather than silently dropped.
    /// </summary>
    private static ObjectFields ParseObjectJson(byte[] body)
    {
        if (body.Length == 0)
        {
            return new ObjectFields(null, null, null);
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("The request body must be a JSON object resource.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("name" or "bucket" or "contentType" or "contentEncoding" or "metadata" or "crc32c" or "md5Hash" or "kind"))
            {
                throw new NotEmulatedException($"the object resource field '{property.Name}'");
            }
        }

        string? Get(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        Dictionary<string, string?>? metadata = null;
        if (root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            metadata = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in m.EnumerateObject())
            {
                // null removes the key in a patch; on a new object it means "no such key".
                metadata[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString() ?? string.Empty;
            }
        }

        return new ObjectFields(Get("contentType"), Get("contentEncoding"), metadata?.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal))
        {
            Name = Get("name"),
            Crc32c = Get("crc32c"),
            Md5 = Get("md5Hash"),
            MetadataPatch = metadata,
        };
    }

    private static bool TryGetLong(IReadOnlyDictionary<string, string> query, string name, out long value)
    {
        value = 0;
        return query.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static string EncodeToken(string cursor) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes("c:" + cursor));

    private static bool TryDecodeToken(string token, out string? cursor)
    {
        cursor = null;
        try
        {
            var text = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token));
            if (!text.StartsWith("c:", StringComparison.Ordinal))
            {
                return false;
            }

            cursor = text[2..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryParseRewriteToken(string token, long sourceGeneration, out long done)
    {
        done = 0;
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
            return parts.Length == 2
                && long.Parse(parts[0], CultureInfo.InvariantCulture) == sourceGeneration
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out done);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Etag(FakeGcsObject obj) => Convert.ToBase64String(Encoding.ASCII.GetBytes(FormattableString.Invariant($"{obj.Generation}/{obj.Metageneration}")));

    private static FakeResponse ObjectResponse(int status, FakeGcsObject obj) => Json(status, json => WriteObjectFields(json, obj));

    private static FakeResponse Json(int status, Action<Utf8JsonWriter> writeFields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            writeFields(json);
            json.WriteEndObject();
        }

        return FakeResponse.Json(status, buffer.ToArray());
    }

    private static void WriteObject(Utf8JsonWriter json, FakeGcsObject obj)
    {
        json.WriteStartObject();
        WriteObjectFields(json, obj);
        json.WriteEndObject();
    }

    /// <summary>The object resource as the real API renders it: int64 values as strings, RFC 3339 times.</summary>
    private static void WriteObjectFields(Utf8JsonWriter json, FakeGcsObject obj)
    {
        var generation = obj.Generation.ToString(CultureInfo.InvariantCulture);
        json.WriteString("kind", "storage#object");
        json.WriteString("id", $"{obj.Bucket}/{obj.Name}/{generation}");
        json.WriteString("name", obj.Name);
        json.WriteString("bucket", obj.Bucket);
        json.WriteString("generation", generation);
        json.WriteString("metageneration", obj.Metageneration.ToString(CultureInfo.InvariantCulture));
        json.WriteString("contentType", obj.ContentType);
        json.WriteString("storageClass", "STANDARD");
        json.WriteString("size", obj.Data.LongLength.ToString(CultureInfo.InvariantCulture));
        json.WriteString("md5Hash", obj.Md5Hash);
        json.WriteString("crc32c", obj.Crc32c);
        json.WriteString("etag", Etag(obj));
        json.WriteString("timeCreated", obj.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("updated", (obj.Updated ?? obj.Created).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        WriteOptional(json, "contentEncoding", obj.ContentEncoding);
        if (obj.Metadata.Count > 0)
        {
            json.WriteStartObject("metadata");
            foreach (var (name, value) in obj.Metadata)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
        }
    }

    private static async Task WriteAsync(HttpContext context, FakeResponse response, FaultRule<FakeGcsRequest>? fault)
    {
        context.Response.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (response.ContentType is not null)
        {
            context.Response.ContentType = response.ContentType;
        }

        if (response.Status is 304 or 204)
        {
            return;
        }

        var body = response.Body;
        if (fault?.Kind == FaultKind.CorruptResponseBody && body.Length > 0)
        {
            body = (byte[])body.Clone();
            body[body.Length / 2] ^= 0x01;
        }

        if (!response.Chunked)
        {
            context.Response.ContentLength = body.Length;
        }

        if (fault?.Kind == FaultKind.CutResponseBody)
        {
            var sent = (int)Math.Clamp(fault.Bytes, 0, Math.Max(0, body.Length - 1));
            // Ending the response short of its Content-Length makes Kestrel close the connection after the bytes
            // written so far have gone out (an abort could discard them), so the client sees exactly a body that
            // stops after 'sent' bytes.
            await context.Response.Body.WriteAsync(body.AsMemory(0, sent)).ConfigureAwait(false);
            if (response.Chunked)
            {
                // Without a Content-Length only a dropped connection tells the client the body is incomplete.
                await context.Response.Body.FlushAsync().ConfigureAwait(false);
                context.Abort();
            }

            return;
        }

        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    /// <summary>Reads the request body, or only its first <paramref name="limit"/> bytes (then <c>Cut</c> is true).</summary>
    private static async Task<(byte[] Data, bool Cut)> ReadBodyAsync(HttpContext context, long? limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (true)
        {
            var want = limit is { } l ? (int)Math.Min(chunk.Length, l - buffer.Length) : chunk.Length;
            if (want <= 0)
            {
                return (buffer.ToArray(), true);
            }

            var read = await context.Request.Body.ReadAsync(chunk.AsMemory(0, want), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                return (buffer.ToArray(), false);
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static async Task DrainAsync(HttpContext context)
    {
        // Consume the body so the connection stays usable after an injected error status.
        try
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
        }
    }

    [GeneratedRegex(@"^bytes=(?:(?<from>\d+)-(?<to>\d+)?|-(?<suffix>\d+))$")]
    private static partial Regex RangeHeader();

    [GeneratedRegex(@"^bytes (?:\*|(?<from>\d+)-(?:(?<to>\d+)|(?<open>\*)))/(?<total>\*|\d+)$")]
    private static partial Regex ContentRangeHeader();

    /// <summary>Signals "drop the connection now" from inside a handler.</summary>
    private sealed class ConnectionCutException : Exception;

    /// <summary>The request target decoded into an operation, with each path segment unescaped on its own (so <c>%2F</c> stays inside a name).</summary>
    private sealed record Route(FakeGcsOperation Operation, string? Bucket, string? Object, string? SourceBucket, string? SourceObject, bool IsSessionRequest)
    {
        public static Route Parse(HttpContext context)
        {
            var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
            var query = raw.IndexOf('?', StringComparison.Ordinal);
            var path = query >= 0 ? raw[..query] : raw;
            var s = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
            var method = context.Request.Method;
            var q = context.Request.Query;

            if (s is ["storage", "v1", "b", var bucket, "o"] && method == "GET")
            {
                return new Route(FakeGcsOperation.List, bucket, null, null, null, false);
            }

            if (s is ["storage", "v1", "b", var b1] && method == "GET")
            {
                return new Route(FakeGcsOperation.GetBucket, b1, null, null, null, false);
            }

            if (s is ["storage", "v1", "b", var b2, "o", var name])
            {
                return method switch
                {
                    "GET" => new Route(q["alt"] == "media" ? FakeGcsOperation.Download : FakeGcsOperation.GetMetadata, b2, name, null, null, false),
                    "DELETE" => new Route(FakeGcsOperation.Delete, b2, name, null, null, false),
                    "PATCH" => new Route(FakeGcsOperation.PatchMetadata, b2, name, null, null, false),
                    _ => Unknown(),
                };
            }

            if (s is ["storage", "v1", "b", var sb, "o", var so, var verb, "b", var db, "o", var dobj] && method == "POST")
            {
                return verb switch
                {
                    "rewriteTo" => new Route(FakeGcsOperation.Rewrite, db, dobj, sb, so, false),
                    "copyTo" => new Route(FakeGcsOperation.CopyTo, db, dobj, sb, so, false),
                    _ => Unknown(),
                };
            }

            if (s is ["download", "storage", "v1", "b", var b3, "o", var n3] && method == "GET")
            {
                return new Route(FakeGcsOperation.Download, b3, n3, null, null, false);
            }

            if (s is ["upload", "storage", "v1", "b", var b4, "o"])
            {
                var uploadType = q["uploadType"].ToString();
                if (q.ContainsKey("upload_id"))
                {
                    var isStatus = context.Request.ContentLength is null or 0 && context.Request.Headers.ContentRange.ToString().StartsWith("bytes */", StringComparison.Ordinal);
                    return method switch
                    {
                        "PUT" or "POST" => new Route(isStatus ? FakeGcsOperation.ResumableStatus : FakeGcsOperation.ResumableChunk, b4, Optional(q["name"]), null, null, true),
                        "DELETE" => new Route(FakeGcsOperation.ResumableCancel, b4, Optional(q["name"]), null, null, true),
                        _ => Unknown(),
                    };
                }

                if (method == "POST")
                {
                    return uploadType switch
                    {
                        "media" => new Route(FakeGcsOperation.MediaUpload, b4, Optional(q["name"]), null, null, false),
                        "multipart" => new Route(FakeGcsOperation.MultipartUpload, b4, Optional(q["name"]), null, null, false),
                        "resumable" => new Route(FakeGcsOperation.ResumableStart, b4, Optional(q["name"]), null, null, false),
                        _ => Unknown(),
                    };
                }
            }

            return Unknown();
        }

        private static string? Optional(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];

        private static Route Unknown() => new(FakeGcsOperation.Unknown, null, null, null, null, false);
    }
}
