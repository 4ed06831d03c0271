using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Http;

namespace Stagecraft.Gcp.Storage;

/// <summary>Configuration of <see cref="GcsObjectStorage"/>.</summary>
public sealed record GcsStorageOptions
{
    /// <summary>The granularity Cloud Storage requires of every non-final resumable chunk.</summary>
    public const int ResumableChunkGranularity = 256 * 1024;

    /// <summary>The bucket every key lives in (just the name, no <c>gs://</c>).</summary>
    public required string Bucket { get; init; }

    /// <summary>
    /// The API root, e.g. <c>https://storage.googleapis.com/</c> (the default) or a private endpoint.
    /// An explicit endpoint wins over <c>STORAGE_EMULATOR_HOST</c> and is called with <see cref="Credential"/>.
    /// Ignored when the storage is given a ready-made <c>StorageClient</c>.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// Honour <c>STORAGE_EMULATOR_HOST</c> as Google's own clients do: when it is set and <see cref="Endpoint"/>
    /// is not, requests go to that host without any credential. Default true.
    /// </summary>
    public bool DetectEmulator { get; init; } = true;

    /// <summary>
    /// The credential (see <see cref="Auth.GcpCredentials"/>). Null means application default credentials,
    /// resolved by Google's client on the first request.
    /// </summary>
    public ITokenAccess? Credential { get; init; }

    /// <summary>Size of each resumable upload chunk; a multiple of <see cref="ResumableChunkGranularity"/>. Default 8 MiB.</summary>
    public int ResumableChunkSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Reads of at most this many bytes are completed (resumed and checksum-verified) inside <c>GetAsync</c> and
    /// served from memory, so the stream returned survives later overwrites of the object. Larger reads stream;
    /// if their connection breaks after the object was overwritten, the pinned generation is gone (a bucket
    /// without versioning keeps no old generations) and reading throws <c>ObjectNotFoundException</c>. Default 1 MiB.
    /// </summary>
    public int InMemoryReadThreshold { get; init; } = 1024 * 1024;

    /// <summary>Backoff shape and attempt budget for retried requests.</summary>
    public GcpRetryOptions Retry { get; init; } = new();

    /// <summary>The clock used for backoff waits (tests inject one that does not really wait).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where retries, resumptions and recovered writes are logged.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    internal void Validate()
    {
        GcsBucketName.Validate(Bucket, nameof(Bucket));
        if (Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"Endpoint '{endpoint}' must be an absolute http or https URI.", nameof(Endpoint));
        }

        if (ResumableChunkSize <= 0 || ResumableChunkSize % ResumableChunkGranularity != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ResumableChunkSize), ResumableChunkSize, $"ResumableChunkSize must be a positive multiple of {ResumableChunkGranularity} bytes (256 KiB), as Cloud Storage requires of non-final chunks.");
        }

        if (InMemoryReadThreshold < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(InMemoryReadThreshold), InMemoryReadThreshold, "InMemoryReadThreshold must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        Retry.Validate();
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(LoggerFactory, nameof(LoggerFactory));
    }
}
