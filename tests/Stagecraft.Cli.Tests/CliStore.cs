using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Storage;
using Stagecraft.Local.Storage;
using Stagecraft.Pipelines;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Cli.Tests;

/// <summary>A real store the tool is pointed at: a local directory, or a prefix of a bucket on the fake Cloud Storage.</summary>
public sealed class CliStore : IAsyncDisposable
{
    private readonly FakeGcsServer? _server;
    private readonly GcsObjectStorage? _gcs;

    private CliStore(TempDirectory dir, IObjectStorage storage, string argument, FakeGcsServer? server, GcsObjectStorage? gcs)
    {
        Dir = dir;
        Storage = storage;
        Argument = argument;
        _server = server;
        _gcs = gcs;
    }

    public TempDirectory Dir { get; }

    /// <summary>The same store, in process, for arranging and checking.</summary>
    public IObjectStorage Storage { get; }

    /// <summary>What <c>--storage</c> gets.</summary>
    public string Argument { get; }

    /// <summary>The environment of the tool's process (the emulator host for the fake bucket).</summary>
    public IReadOnlyDictionary<string, string> Environment =>
        _server is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["STORAGE_EMULATOR_HOST"] = _server.Endpoint.ToString() };

    public static Task<CliStore> LocalAsync()
    {
        var dir = new TempDirectory("cli");
        var store = dir.Combine("store");
        Directory.CreateDirectory(store);
        return Task.FromResult(new CliStore(dir, new LocalObjectStorage(store), store, null, null));
    }

    public static async Task<CliStore> GcsAsync()
    {
        var server = await FakeGcsServer.StartAsync(new FakeGcsOptions { Buckets = ["cli-bucket"] });
        var gcs = new GcsObjectStorage(new GcsStorageOptions { Bucket = "cli-bucket", Endpoint = server.Endpoint, Credential = GcpCredentials.FromAccessToken("t") });
        return new CliStore(new TempDirectory("cli"), new PrefixedObjectStorage(gcs, "team-a"), "gs://cli-bucket/team-a", server, gcs);
    }

    public PipelineRunner Runner() => new(new PipelineRunnerOptions { Storage = Storage, WorkDirectory = Dir.Combine("work"), RecordFlushInterval = TimeSpan.FromMilliseconds(50) });

    /// <summary>Runs the tool with <c>--storage</c> set to this store.</summary>
    public Task<CliResult> RunAsync(params string[] args) => CliProcess.RunAsync([.. args, "--storage", Argument], Environment);

    public async ValueTask DisposeAsync()
    {
        _gcs?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Dir.Dispose();
    }
}
