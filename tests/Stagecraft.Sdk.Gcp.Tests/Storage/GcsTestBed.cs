using Google.Apis.Auth.OAuth2;
using Google.Apis.Http;
using Google.Cloud.Storage.V1;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Emulation.Time;
using Stagecraft.Gcp.Http;
using Stagecraft.Gcp.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

/// <summary>A fake GCS server plus a client wired to it (bearer token, instant backoff, small chunks).</summary>
public sealed class GcsTestBed : IAsyncDisposable
{
    public const string Token = "test-token";
    public const string Bucket = "test-bucket";

    /// <summary>Small so the resumable path runs on sub-MiB test data.</summary>
    public const int ChunkSize = 256 * 1024;

    /// <summary>Small, so the streaming read path runs on sub-MiB test data too.</summary>
    public const int InMemoryReadThreshold = 64 * 1024;

    private GcsTestBed(FakeGcsServer server, GcsObjectStorage storage, ImmediateTimeProvider time)
    {
        Server = server;
        Storage = storage;
        Time = time;
    }

    public FakeGcsServer Server { get; }

    public GcsObjectStorage Storage { get; }

    public ImmediateTimeProvider Time { get; }

    public static async Task<GcsTestBed> StartAsync(
        FakeGcsOptions? fake = null,
        Func<GcsStorageOptions, GcsStorageOptions>? configure = null,
        Func<GcsStorageOptions, GcsObjectStorage>? create = null)
    {
        var server = await FakeGcsServer.StartAsync(fake ?? new FakeGcsOptions { RequiredBearerToken = Token });
        var time = new ImmediateTimeProvider();
        var options = ClientOptions(server, time);
        if (configure is not null)
        {
            options = configure(options);
        }

        return new GcsTestBed(server, create is null ? new GcsObjectStorage(options) : create(options), time);
    }

    public static GcsStorageOptions ClientOptions(FakeGcsServer server, TimeProvider time) => new()
    {
        Bucket = Bucket,
        Endpoint = server.Endpoint,
        Credential = GcpCredentials.FromAccessToken(Token),
        ResumableChunkSize = ChunkSize,
        InMemoryReadThreshold = InMemoryReadThreshold,
        TimeProvider = time,
        Retry = new GcpRetryOptions { MaxAttempts = 6, AttemptTimeout = TimeSpan.FromSeconds(60) },
    };

    /// <summary>A Google client of the test's own making (a caller-configured client), pointed at the fake.</summary>
    public static StorageClient GoogleClient(GcsStorageOptions options, HttpClientFactory httpClientFactory) => new StorageClientBuilder
    {
        BaseUri = options.Endpoint!.AbsoluteUri + "storage/v1/",
        Credential = GoogleCredential.FromAccessToken(Token),
        HttpClientFactory = httpClientFactory,
    }.Build();

    public static byte[] RandomBytes(int length, int seed = 42)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    public async Task<byte[]> ReadAllAsync(string key, Stagecraft.Storage.GetObjectOptions? options = null)
    {
        await using var result = await Storage.GetAsync(key, options);
        using var buffer = new MemoryStream();
        await result.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Storage.Dispose();
        await Server.DisposeAsync();
    }
}
