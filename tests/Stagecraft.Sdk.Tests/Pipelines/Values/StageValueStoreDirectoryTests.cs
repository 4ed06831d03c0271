using System.Text;
using System.Text.Json;
using Stagecraft.Pipelines;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Signals;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Tests.Pipelines.Values;

/// <summary>
/// A directory output is read once: the content store takes the digests the directory walk computed instead of hashing
/// every file again, and still never stores bytes under a digest they do not have.
/// </summary>
public sealed class StageValueStoreDirectoryTests : IDisposable
{
    private readonly TempDirectory _temp = new("value-store");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Storing_a_directory_whose_content_is_already_stored_reads_no_file_after_the_walk()
    {
        var tree = _temp.Combine("output");
        for (var i = 0; i < 5; i++)
        {
            _temp.WriteFile(Path.Combine("output", $"part-{i % 2}", $"file-{i}.txt"), $"content {i}");
        }

        var storage = TestStorage.Create(_temp.Combine("store"));
        var first = await new StageValueStore(storage, JsonSerializerOptions.Default).StoreAsync(new DirectorySignal(tree), typeof(DirectorySignal), CancellationToken.None);

        // The files vanish once the walk is done (at the first look-up of a content key): a store that read them again
        // to hash them would fail; one that uses the walk's digests only references what is already stored.
        var removed = false;
        var watching = new StatHookStorage(storage, key =>
        {
            if (!removed && key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal))
            {
                removed = true;
                foreach (var file in Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories))
                {
                    File.Delete(file);
                }
            }
        });
        var second = await new StageValueStore(watching, JsonSerializerOptions.Default).StoreAsync(new DirectorySignal(tree), typeof(DirectorySignal), CancellationToken.None);

        Assert.True(removed);
        Assert.Equal(first.Fingerprint, second.Fingerprint);
        Assert.Equal(first.Objects.AsEnumerable(), second.Objects.AsEnumerable());
    }

    [Fact]
    public async Task A_directory_file_that_changes_after_the_walk_is_not_stored_under_the_walks_digest()
    {
        var tree = _temp.Combine("output");
        var path = _temp.WriteFile(Path.Combine("output", "model.bin"), "bytes the walk hashed");
        _temp.WriteFile(Path.Combine("output", "notes.txt"), "unchanged");
        var storage = new InterceptingStorage(TestStorage.Create(_temp.Combine("store")), key =>
        {
            if (key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal))
            {
                File.WriteAllBytes(path, Encoding.UTF8.GetBytes("other bytes, written between the walk and the upload"));
            }
        });

        var error = await Assert.ThrowsAsync<ContentIntegrityException>(() =>
            new StageValueStore(storage, JsonSerializerOptions.Default).StoreAsync(new DirectorySignal(tree), typeof(DirectorySignal), CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        await foreach (var entry in storage.ListAsync(PipelinePaths.ContentPrefix))
        {
            Assert.Fail($"bytes were stored under a digest they do not have: {entry.Object?.Key}");
        }
    }

    [Fact]
    public async Task A_stored_directory_loads_back_byte_for_byte()
    {
        var tree = _temp.Combine("output");
        _temp.WriteFile(Path.Combine("output", "a", "one.txt"), "one");
        _temp.WriteFile(Path.Combine("output", "b", "two.txt"), "two");
        var values = new StageValueStore(TestStorage.Create(_temp.Combine("store")), JsonSerializerOptions.Default);

        var stored = await values.StoreAsync(new DirectorySignal(tree), typeof(DirectorySignal), CancellationToken.None);
        var loaded = (DirectorySignal)(await values.LoadAsync(stored, typeof(DirectorySignal), _temp.Combine("loaded"), CancellationToken.None))!;

        Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(loaded.Path, "a", "one.txt")));
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(loaded.Path, "b", "two.txt")));
        Assert.All(stored.Objects, o => Assert.Equal(PipelinePaths.Content(o.Sha256), o.Key));
    }

    /// <summary>Runs a hook before every stat.</summary>
    private sealed class StatHookStorage(IObjectStorage inner, Action<string> beforeStat) : ObjectStorageDecorator(inner)
    {
        public override Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default)
        {
            beforeStat(key);
            return base.StatAsync(key, cancellationToken);
        }
    }
}
