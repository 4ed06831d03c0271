using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Stagecraft.Gcp.Emulation.Storage;

/// <summary>
/// What the fake accepts: per operation, the query parameters it honours (anything else is answered with 501, never
/// ignored), request bodies compressed as Google's clients send them, bucket reads and metadata patches.
/// </summary>
public sealed partial class FakeGcsServer
{
    private static readonly string[] ObjectPreconditions = ["ifGenerationMatch", "ifGenerationNotMatch", "ifMetagenerationMatch", "ifMetagenerationNotMatch"];

    private static readonly string[] SourcePreconditions = ["ifSourceGenerationMatch", "ifSourceGenerationNotMatch", "ifSourceMetagenerationMatch"];

    /// <summary>Parameters with no effect on what the fake answers (response formatting).</summary>
    private static readonly string[] Formatting = ["alt", "prettyPrint"];

    private static readonly Dictionary<FakeGcsOperation, HashSet<string>> HonouredParameters = new()
    {
        [FakeGcsOperation.List] = Set(["prefix", "delimiter", "pageToken", "maxResults", "matchGlob", "startOffset", "endOffset", "projection", "versions", "includeTrailingDelimiter"]),
        [FakeGcsOperation.GetMetadata] = Set(["generation", "projection", .. ObjectPreconditions]),
        [FakeGcsOperation.Download] = Set(["generation", .. ObjectPreconditions]),
        [FakeGcsOperation.Delete] = Set(["generation", .. ObjectPreconditions]),
        [FakeGcsOperation.Rewrite] = Set(["sourceGeneration", "rewriteToken", "projection", .. ObjectPreconditions, .. SourcePreconditions]),
        [FakeGcsOperation.CopyTo] = Set(["sourceGeneration", "projection", .. ObjectPreconditions, .. SourcePreconditions]),
        [FakeGcsOperation.MediaUpload] = Set(["uploadType", "name", "projection", .. ObjectPreconditions]),
        [FakeGcsOperation.MultipartUpload] = Set(["uploadType", "name", "projection", .. ObjectPreconditions]),
        [FakeGcsOperation.ResumableStart] = Set(["uploadType", "name", "projection", .. ObjectPreconditions]),
        [FakeGcsOperation.ResumableChunk] = Set(["uploadType", "name", "upload_id"]),
        [FakeGcsOperation.ResumableStatus] = Set(["uploadType", "name", "upload_id"]),
        [FakeGcsOperation.ResumableCancel] = Set(["uploadType", "name", "upload_id"]),
        [FakeGcsOperation.GetBucket] = Set(["projection"]),
        [FakeGcsOperation.PatchMetadata] = Set(["projection", .. ObjectPreconditions]),
    };

    /// <summary>Operations whose request body is a JSON resource, which Google's clients may send gzip-compressed.</summary>
    private static readonly HashSet<FakeGcsOperation> JsonBodies =
    [
        FakeGcsOperation.ResumableStart, FakeGcsOperation.Rewrite, FakeGcsOperation.CopyTo, FakeGcsOperation.MultipartUpload, FakeGcsOperation.PatchMetadata,
    ];

    /// <summary>Throws <see cref="NotEmulatedException"/> for a parameter, value or body encoding the fake would otherwise ignore.</summary>
    private static void CheckEmulated(HttpContext context, FakeGcsRequest request)
    {
        if (request.Operation == FakeGcsOperation.Unknown)
        {
            return;
        }

        var honoured = HonouredParameters[request.Operation];
        foreach (var (name, value) in request.Query)
        {
            if (!honoured.Contains(name) && !Formatting.Contains(name))
            {
                throw new NotEmulatedException($"the query parameter '{name}' on {request.Operation}");
            }

            var harmless = name switch
            {
                // ACLs are never returned, so both projections look the same; versions/trailing delimiters are off.
                "projection" => value is "noAcl" or "full",
                "versions" or "includeTrailingDelimiter" => value == "false",
                "alt" => value is "json" or "media",
                _ => true,
            };
            if (!harmless)
            {
                throw new NotEmulatedException($"{name}={value} on {request.Operation}");
            }
        }

        var encoding = context.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0)
        {
            if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase) || !JsonBodies.Contains(request.Operation))
            {
                throw new NotEmulatedException($"Content-Encoding '{encoding}' on a {request.Operation} request");
            }

            context.Request.Body = new GZipStream(context.Request.Body, CompressionMode.Decompress);
        }
    }

    /// <summary>
    /// Google's clients send a GET whose URL is too long as a POST with <c>X-HTTP-Method-Override: GET</c> and the
    /// query in a form-encoded body, as the service accepts. Returns false when it answered 501 itself.
    /// </summary>
    private static async Task<bool> ApplyMethodOverrideAsync(HttpContext context)
    {
        var overridden = context.Request.Headers["X-HTTP-Method-Override"].ToString();
        if (overridden.Length == 0)
        {
            return true;
        }

        if (context.Request.Method != "POST" || overridden != "GET")
        {
            await WriteAsync(context, GcsErrors.Create(501, "notImplemented", $"The fake Cloud Storage does not emulate X-HTTP-Method-Override: {overridden} on {context.Request.Method}."), null).ConfigureAwait(false);
            return false;
        }

        if (context.Request.HasFormContentType)
        {
            using var reader = new StreamReader(context.Request.Body);
            var form = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            var query = context.Request.QueryString.HasValue ? context.Request.QueryString.Value + "&" + form : "?" + form;
            context.Request.QueryString = new QueryString(query);
        }

        context.Request.Method = "GET";
        context.Request.Body = Stream.Null;
        context.Request.ContentLength = 0;
        context.Request.ContentType = null;
        return true;
    }

    private static HashSet<string> Set(IEnumerable<string> names) => new(names, StringComparer.Ordinal);

    private FakeResponse GetBucket(Route route)
    {
        lock (_gate)
        {
            if (!_buckets.ContainsKey(route.Bucket!))
            {
                return GcsErrors.NoSuchBucket();
            }
        }

        return Json(200, json =>
        {
            json.WriteString("kind", "storage#bucket");
            json.WriteString("id", route.Bucket);
            json.WriteString("name", route.Bucket);
            json.WriteString("projectNumber", "123456789012");
            json.WriteString("metageneration", "1");
            json.WriteString("location", "US-CENTRAL1");
            json.WriteString("locationType", "region");
            json.WriteString("storageClass", "STANDARD");
            json.WriteString("etag", "CAE=");
            json.WriteString("timeCreated", "2024-01-01T00:00:00.000Z");
            json.WriteString("updated", "2024-01-01T00:00:00.000Z");
            json.WritePropertyName("iamConfiguration");
            json.WriteStartObject();
            json.WritePropertyName("uniformBucketLevelAccess");
            json.WriteStartObject();
            json.WriteBoolean("enabled", true);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    /// <summary>
    /// <c>objects.patch</c>: changes content type, content encoding or user metadata (a null value removes a key)
    /// of the current generation; the generation stays, the metageneration grows.
    /// </summary>
    private async Task<FakeResponse> PatchMetadataAsync(HttpContext context, Route route, FakeGcsRequest request)
    {
        var body = await ReadBodyAsync(context, limit: null).ConfigureAwait(false);
        var fields = ParseObjectJson(body.Data);
        if (fields.Crc32c is not null || fields.Md5 is not null || (fields.Name is not null && fields.Name != route.Object))
        {
            throw new InvalidDataException("A patch cannot change an object's name or checksums.");
        }

        lock (_gate)
        {
            if (!_buckets.TryGetValue(route.Bucket!, out var objects))
            {
                return GcsErrors.NoSuchBucket();
            }

            var current = objects.GetValueOrDefault(route.Object!);
            if (current is null || (TryGetLong(request.Query, "generation", out var pinned) && pinned != current.Generation))
            {
                return GcsErrors.NoSuchObject(route.Bucket!, route.Object!);
            }

            if (!WritePreconditionsHold(request.Query, current))
            {
                return GcsErrors.ConditionNotMet();
            }

            var metadata = new Dictionary<string, string>(current.Metadata, StringComparer.Ordinal);
            foreach (var (name, value) in fields.MetadataPatch ?? new Dictionary<string, string?>())
            {
                if (value is null)
                {
                    metadata.Remove(name);
                }
                else
                {
                    metadata[name] = value;
                }
            }

            var patched = current with
            {
                Metageneration = current.Metageneration + 1,
                ContentType = fields.ContentType ?? current.ContentType,
                ContentEncoding = fields.ContentEncoding ?? current.ContentEncoding,
                Metadata = metadata,
                Updated = Options.TimeProvider.GetUtcNow(),
            };
            objects[route.Object!] = patched;
            return ObjectResponse(200, patched);
        }
    }

    /// <summary>
    /// True when Cloud Storage would serve this stored-gzip object decompressed: the request does not accept gzip.
    /// (It then ignores any Range, sends neither Content-Encoding nor Content-Length, and its hashes still
    /// describe the stored gzip bytes.)
    /// </summary>
    private static bool Transcodes(HttpContext context, FakeGcsObject obj) =>
        string.Equals(obj.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase)
        && !context.Request.Headers.AcceptEncoding.ToString().Split(',').Any(e => e.Trim().StartsWith("gzip", StringComparison.OrdinalIgnoreCase));

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
