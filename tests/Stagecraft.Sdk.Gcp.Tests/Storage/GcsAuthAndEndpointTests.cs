using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Stagecraft.Gcp.Auth;
using Stagecraft.Gcp.Emulation.Auth;
using Stagecraft.Gcp.Emulation.Storage;
using Stagecraft.Gcp.Emulation.Time;
using Stagecraft.Gcp.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Gcp.Tests.Storage;

[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

/// <summary>Tests that set process-wide environment variables run alone.</summary>
[Collection(nameof(ProcessEnvironmentCollection))]
public sealed class GcsAuthAndEndpointTests
{
    [Fact]
    public async Task Every_request_carries_the_bearer_token_including_resumable_chunks()
    {
        await using var bed = await GcsTestBed.StartAsync();

        await bed.Storage.PutAsync("a", new NonSeekableStream(GcsTestBed.RandomBytes(3 * GcsTestBed.ChunkSize)));
        await bed.Storage.StatAsync("a");

        Assert.NotEmpty(bed.Server.Requests);
        Assert.All(bed.Server.Requests, r => Assert.Equal("Bearer " + GcsTestBed.Token, r.Authorization));
    }

    [Fact]
    public async Task Wrong_token_is_a_401_with_the_parsed_error_reason()
    {
        await using var bed = await GcsTestBed.StartAsync(configure: o => o with { Credential = GcpCredentials.FromAccessToken("wrong") });

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.StatAsync("a"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("authError", error.Reason);
        Assert.Equal("Invalid Credentials", error.Error!.Message);
        Assert.Contains("'a' in bucket 'test-bucket'", error.Message, StringComparison.Ordinal);
        Assert.Single(bed.Server.Requests);
    }

    [Fact]
    public async Task Missing_bucket_is_not_mistaken_for_a_missing_object()
    {
        await using var bed = await GcsTestBed.StartAsync(configure: o => o with { Bucket = "no-such-bucket" });

        var error = await Assert.ThrowsAsync<GcsRequestException>(() => bed.Storage.StatAsync("a"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("bucket does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_emulator_host_variable_is_honoured_without_any_credential()
    {
        await using var server = await FakeGcsServer.StartAsync(new FakeGcsOptions());
        var previous = Environment.GetEnvironmentVariable("STORAGE_EMULATOR_HOST");
        Environment.SetEnvironmentVariable("STORAGE_EMULATOR_HOST", server.Endpoint.Authority);
        try
        {
            // No endpoint and no credential: without the variable this would go to Google with ADC.
            using var storage = new GcsObjectStorage(new GcsStorageOptions { Bucket = GcsTestBed.Bucket, TimeProvider = new ImmediateTimeProvider() });

            await storage.PutAsync("emu", new MemoryStream([1, 2]));
            var info = await storage.StatAsync("emu");

            Assert.True(storage.UsesEmulator);
            Assert.Equal(server.Endpoint, storage.Endpoint);
            Assert.Equal(2, info!.Size);
            Assert.All(server.Requests, r => Assert.Null(r.Authorization));
        }
        finally
        {
            Environment.SetEnvironmentVariable("STORAGE_EMULATOR_HOST", previous);
        }
    }

    [Fact]
    public void Explicit_endpoint_wins_over_the_emulator_variable_and_keeps_authentication()
    {
        var env = new Dictionary<string, string?> { ["STORAGE_EMULATOR_HOST"] = "http://localhost:9023" };
        var options = new GcsStorageOptions { Bucket = "b-1", Endpoint = new Uri("http://127.0.0.1:1/base"), Credential = GcpCredentials.FromAccessToken("t") };

        using var storage = new GcsObjectStorage(null, options, name => env.GetValueOrDefault(name));
        using var emulated = new GcsObjectStorage(null, options with { Endpoint = null }, name => env.GetValueOrDefault(name));
        using var ignoring = new GcsObjectStorage(null, options with { Endpoint = null, DetectEmulator = false }, name => env.GetValueOrDefault(name));

        Assert.Equal(new Uri("http://127.0.0.1:1/base/"), storage.Endpoint);
        Assert.False(storage.UsesEmulator);
        Assert.Equal(new Uri("http://localhost:9023/"), emulated.Endpoint);
        Assert.True(emulated.UsesEmulator);
        Assert.Equal(new Uri("https://storage.googleapis.com/"), ignoring.Endpoint);
    }

    [Fact]
    public void Malformed_emulator_variable_is_an_error_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => new GcsObjectStorage(null, new GcsStorageOptions { Bucket = "b-1" }, _ => "ftp://x:1"));

        Assert.Contains("STORAGE_EMULATOR_HOST", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_account_key_file_yields_tokens_from_its_token_uri_attached_per_request()
    {
        await using var tokens = await FakeTokenEndpoint.StartAsync("sa");
        await using var server = await FakeGcsServer.StartAsync(new FakeGcsOptions { RequiredBearerToken = "sa-1" });
        using var dir = new TempDirectory("gcs-key");
        using var rsa = RSA.Create(2048);
        var keyFile = dir.WriteFile("key.json", JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "stagecraft-test",
            ["private_key_id"] = "key-1",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = "runner@stagecraft-test.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["token_uri"] = tokens.TokenUri.AbsoluteUri,
        }));

        var credential = await GcpCredentials.FromServiceAccountKeyFileAsync(keyFile);
        using var storage = new GcsObjectStorage(GcsTestBed.ClientOptions(server, new ImmediateTimeProvider()) with { Credential = credential });
        await storage.PutAsync("k", new MemoryStream([1]));
        await storage.StatAsync("k");

        Assert.Equal(["jwt-bearer"], tokens.Grants);
        Assert.All(server.Requests, r => Assert.Equal("Bearer sa-1", r.Authorization));
    }

    [Fact]
    public async Task Key_file_of_another_credential_type_is_refused()
    {
        using var dir = new TempDirectory("gcs-key");
        var keyFile = dir.WriteFile("user.json", """{"type":"authorized_user","client_id":"a","client_secret":"b","refresh_token":"c"}""");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GcpCredentials.FromServiceAccountKeyFileAsync(keyFile));
        Assert.Contains("authorized_user", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FileNotFoundException>(() => GcpCredentials.FromServiceAccountKeyFileAsync(dir.Combine("absent.json")));
    }

    [Fact]
    public async Task Compute_engine_credential_gets_its_token_from_the_metadata_server()
    {
        await using var metadata = await FakeTokenEndpoint.StartAsync("vm");
        await using var server = await FakeGcsServer.StartAsync(new FakeGcsOptions { RequiredBearerToken = "vm-1" });
        var previous = Environment.GetEnvironmentVariable("GCE_METADATA_HOST");
        Environment.SetEnvironmentVariable("GCE_METADATA_HOST", metadata.HostAndPort);
        try
        {
            using var storage = new GcsObjectStorage(GcsTestBed.ClientOptions(server, new ImmediateTimeProvider()) with { Credential = GcpCredentials.ComputeEngine() });

            await storage.PutAsync("vm", new MemoryStream([1]));

            Assert.Equal(["metadata"], metadata.Grants);
            Assert.All(server.Requests, r => Assert.Equal("Bearer vm-1", r.Authorization));
        }
        finally
        {
            Environment.SetEnvironmentVariable("GCE_METADATA_HOST", previous);
        }
    }
}
