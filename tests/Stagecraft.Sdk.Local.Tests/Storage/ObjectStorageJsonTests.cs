using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Storage.Json;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>The one JSON-document helper: read with the generation, write as a compare-and-swap on it.</summary>
public sealed class ObjectStorageJsonTests : IDisposable
{
    private static readonly JsonTypeInfo<Counter> CounterInfo = (JsonTypeInfo<Counter>)JsonSerializerOptions.Default.GetTypeInfo(typeof(Counter));
    private readonly TempDirectory _root = new("json-docs");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_missing_document_reads_as_null()
    {
        var storage = new LocalObjectStorage(_root.Path);
        Assert.Null(await storage.TryReadJsonAsync("nothing/here.json", CounterInfo));
    }

    [Fact]
    public async Task A_document_round_trips_with_its_generation_and_json_content_type()
    {
        var storage = new LocalObjectStorage(_root.Path);
        var written = await storage.PutJsonAsync("doc.json", new Counter("a", 1), CounterInfo, new PutObjectOptions { IfGenerationMatch = 0 });
        var read = await storage.TryReadJsonAsync("doc.json", CounterInfo);
        Assert.NotNull(read);
        Assert.Equal(new Counter("a", 1), read.Value.Document);
        Assert.Equal(written.Generation, read.Value.Info.Generation);
        Assert.Equal(ObjectStorageJsonExtensions.JsonContentType, read.Value.Info.ContentType);
    }

    [Fact]
    public async Task A_write_against_a_stale_generation_is_refused_and_the_newer_document_stays()
    {
        var storage = new LocalObjectStorage(_root.Path);
        var first = await storage.PutJsonAsync("doc.json", new Counter("a", 1), CounterInfo);
        await storage.PutJsonAsync("doc.json", new Counter("a", 2), CounterInfo, new PutObjectOptions { IfGenerationMatch = first.Generation });
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() =>
            storage.PutJsonAsync("doc.json", new Counter("a", 3), CounterInfo, new PutObjectOptions { IfGenerationMatch = first.Generation }));
        Assert.Contains("doc.json", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, (await storage.TryReadJsonAsync("doc.json", CounterInfo))!.Value.Document.Value);
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("null", "JSON null")]
    public async Task An_object_that_is_not_the_document_is_a_typed_error_naming_the_key(string content, string problem)
    {
        var storage = new LocalObjectStorage(_root.Path);
        using (var bytes = new MemoryStream(Encoding.UTF8.GetBytes(content)))
        {
            await storage.PutAsync("bad.json", bytes);
        }

        var ex = await Assert.ThrowsAsync<StoredDocumentException>(() => storage.TryReadJsonAsync("bad.json", CounterInfo));
        Assert.Equal("bad.json", ex.Key);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Counter), ex.Message, StringComparison.Ordinal);
    }

    public sealed record Counter(string Name, int Value);
}
