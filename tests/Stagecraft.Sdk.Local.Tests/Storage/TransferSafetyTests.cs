using System.Runtime.CompilerServices;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>
/// Downloads must not write outside the target directory, whatever keys a store lists. Our key rules forbid such
/// keys, but a bucket written by other tools may hold them, so the listing is doctored here.
/// </summary>
public sealed class TransferSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = new("transfer-safety");

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("ds/../evil.txt")]
    [InlineData("ds/a/../../evil.txt")]
    [InlineData("ds/..")]
    [InlineData("ds/./x")]
    [InlineData("ds//x")]
    [InlineData("ds/a\0b")]
    [InlineData("ds/line\nbreak")]
    public async Task Download_refuses_keys_that_would_escape_or_are_not_file_names_before_writing_anything(string badKey)
    {
        var inner = new LocalObjectStorage(_temp.Combine("store"));
        await inner.PutAsync("ds/good.txt", new MemoryStream(Encoding.UTF8.GetBytes("good")));
        var storage = new InjectedListingStorage(inner, badKey);
        var target = _temp.Combine("target", "inner");

        var ex = await Assert.ThrowsAsync<UnsafeObjectKeyException>(() => storage.DownloadPrefixAsync("ds", target));

        Assert.Equal(badKey, ex.Key);
        Assert.False(Directory.Exists(target), "nothing may be written when a key is refused");
        Assert.False(File.Exists(_temp.Combine("target", "evil.txt")));
        Assert.False(File.Exists(_temp.Combine("evil.txt")));
    }

    [Fact]
    public async Task Download_skips_zero_byte_folder_placeholders()
    {
        var inner = new LocalObjectStorage(_temp.Combine("store"));
        await inner.PutAsync("ds/sub/file.txt", new MemoryStream(Encoding.UTF8.GetBytes("x")));
        var storage = new InjectedListingStorage(inner, "ds/sub/");
        var target = _temp.Combine("target");

        var result = await storage.DownloadPrefixAsync("ds", target);

        Assert.Equal(["ds/sub/file.txt"], result.TransferredKeys);
        Assert.Equal("x", File.ReadAllText(Path.Combine(target, "sub", "file.txt")));
    }

    [Fact]
    public async Task Upload_ignores_temporary_files_left_by_a_killed_download()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var source = _temp.Combine("source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "data.bin"), "data");
        File.WriteAllText(Path.Combine(source, ".data.bin.0123456789ab.stagecraft-tmp"), "half a download");

        var result = await storage.UploadDirectoryAsync(source, "up");

        Assert.Equal(["up/data.bin"], result.TransferredKeys);
    }

    [Fact]
    public async Task Upload_refuses_a_file_name_that_is_not_a_valid_key_before_uploading_anything()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var source = _temp.Combine("source");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "a.txt"), "a");
        File.WriteAllText(Path.Combine(source, "tab\there.txt"), "bad");

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => storage.UploadDirectoryAsync(source, "up"));

        Assert.Contains("control character", ex.Message, StringComparison.Ordinal);
        Assert.Null(await storage.StatAsync("up/a.txt"));
    }

    /// <summary>Lists an extra zero-byte object with a key our rules would never let anyone write.</summary>
    private sealed class InjectedListingStorage(IObjectStorage inner, string injectedKey) : ObjectStorageDecorator(inner)
    {
        public override async IAsyncEnumerable<ObjectListEntry> ListAsync(string prefix, ListObjectsOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var entry in Inner.ListAsync(prefix, options, cancellationToken))
            {
                yield return entry;
            }

            yield return ObjectListEntry.ForObject(new ObjectInfo(injectedKey, 0, 1, DateTimeOffset.UnixEpoch, null, new Dictionary<string, string>(), null, "AAAAAA=="));
        }
    }
}
