using System.Text;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>
/// The fast paths every Get and Stat takes mean the same as the general ones: a plain key's path is its segment-by-segment
/// encoding, and the hand-written header reader reads what the serializer writes (and what a later version may add).
/// </summary>
public sealed class ObjectFileFormatTests : IDisposable
{
    private readonly TempDirectory _root = new("object-file");

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("a")]
    [InlineData("runs/r-1/post_run/otf/host-0/db0/f00001.yaml")]
    [InlineData("Model/Weights.bin")]
    [InlineData("a b/c%d")]
    [InlineData("é/ü")]
    [InlineData("x/y#z")]
    public void A_keys_file_path_is_its_segments_encoded_one_by_one(string key)
    {
        Assert.Equal(SegmentBySegment(_root.Path, key), ObjectPathEncoding.ObjectFilePath(_root.Path, key));
    }

    [Fact]
    public void Segments_at_and_past_the_readable_length_keep_their_encoding()
    {
        var readable = new string('a', ObjectPathEncoding.MaxPlainNameLength);
        var hashed = readable + "a";
        foreach (var key in new[] { readable, $"p/{readable}/q", hashed, $"p/{hashed}", $"{hashed}/q" })
        {
            Assert.Equal(SegmentBySegment(_root.Path, key), ObjectPathEncoding.ObjectFilePath(_root.Path, key));
        }

        Assert.StartsWith(ObjectPathEncoding.HashedPrefix, Path.GetFileName(ObjectPathEncoding.ObjectFilePath(_root.Path, hashed)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_reader_reads_what_the_writer_writes()
    {
        var header = Header(new Dictionary<string, string>(StringComparer.Ordinal) { ["sha256"] = "abc", ["note"] = "line\n\"quoted\" é" });

        var info = StoredObjectHeaderReader.Read(Json(header), expectedKey: null);

        Assert.Equal(ObjectFile.ToInfo(header) with { Metadata = info.Metadata }, info);
        Assert.Equal(header.Metadata, info.Metadata);
    }

    [Fact]
    public void The_expected_key_is_reused_only_when_the_header_holds_it()
    {
        var header = Header([]);
        var expected = string.Concat("dir/", "object.bin");

        Assert.Same(expected, StoredObjectHeaderReader.Read(Json(header), expected).Key);
        var other = StoredObjectHeaderReader.Read(Json(header), "dir/other.bin");
        Assert.Equal("dir/object.bin", other.Key);
        Assert.Empty(other.Metadata);
    }

    [Fact]
    public void Properties_a_later_version_adds_are_skipped_and_a_missing_one_is_an_error()
    {
        var json = Encoding.UTF8.GetString(Json(Header([])));
        var extended = json.Replace("{\"key\"", "{\"storageClass\":{\"name\":\"cold\",\"since\":[1,2]},\"key\"", StringComparison.Ordinal);

        Assert.Equal(42, StoredObjectHeaderReader.Read(Encoding.UTF8.GetBytes(extended), null).Size);
        Assert.Throws<JsonException>(() => StoredObjectHeaderReader.Read(Encoding.UTF8.GetBytes(json.Replace("\"crc32c\"", "\"crc\"", StringComparison.Ordinal)), null));
        Assert.ThrowsAny<JsonException>(() => StoredObjectHeaderReader.Read(Encoding.UTF8.GetBytes(json[..^1]), null));
    }

    [Fact]
    public void Every_header_property_is_named_once_and_the_reader_requires_every_one()
    {
        // The writer's names come from StoredObjectHeader.Names through [JsonPropertyName]; a property added to the
        // record without a name there, or a name there no property uses, is a second spelling waiting to drift.
        var names = typeof(StoredObjectHeader.Names).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToArray();
        var written = typeof(StoredObjectHeader).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? throw new InvalidOperationException($"Header property {p.Name} has no [JsonPropertyName] from StoredObjectHeader.Names."))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(names, written);

        // The reader reads each one: without it, a header is incomplete (a property the reader skipped would go unnoticed).
        var json = JsonNode.Parse(Json(Header(new Dictionary<string, string>(StringComparer.Ordinal) { ["a"] = "b" })))!.AsObject();
        Assert.Equal(names, json.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var name in names)
        {
            var without = json.DeepClone().AsObject();
            without.Remove(name);
            var error = Assert.Throws<JsonException>(() => StoredObjectHeaderReader.Read(Encoding.UTF8.GetBytes(without.ToJsonString()), null));
            Assert.Contains("lacks a required property", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_header_that_is_not_a_header_is_reported_as_corrupt()
    {
        var storage = new LocalObjectStorage(_root.Combine("store"));
        await storage.PutAsync("d/victim", new MemoryStream("content"u8.ToArray()));
        var file = Directory.EnumerateFiles(_root.Combine("store", "objects"), "*#", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        var size = Encoding.UTF8.GetBytes("\"size\":7");
        var at = bytes.AsSpan().IndexOf(size);
        Encoding.UTF8.GetBytes("\"size\":\"").CopyTo(bytes, at); // same length, the number becomes an unterminated string
        await File.WriteAllBytesAsync(file, bytes);

        var error = await Assert.ThrowsAsync<StorageException>(() => storage.StatAsync("d/victim"));
        Assert.Contains("unreadable header", error.Message, StringComparison.Ordinal);
    }

    private static StoredObjectHeader Header(Dictionary<string, string> metadata) => new()
    {
        Key = "dir/object.bin",
        Size = 42,
        Generation = 1_700_000_000_000_001,
        Updated = new DateTimeOffset(2026, 12, 6, 3, 4, 5, 678, TimeSpan.Zero).AddTicks(9),
        ContentType = "application/octet-stream",
        Metadata = metadata,
        Md5 = "1B2M2Y8AsgTpgAmY7PhCfg==",
        Crc32c = "AAAAAA==",
    };

    /// <summary>The header JSON inside the trailer the store appends to a content.</summary>
    private static byte[] Json(StoredObjectHeader header)
    {
        var trailer = ObjectFile.EncodeTrailer(header);
        return trailer[..^ObjectFile.FixedTrailerLength];
    }

    private static string SegmentBySegment(string root, string key)
    {
        var segments = key.Split('/').Select(ObjectPathEncoding.EncodeSegment).ToArray();
        segments[^1] += ObjectPathEncoding.ObjectSuffix;
        return Path.Join([root, .. segments]);
    }
}
