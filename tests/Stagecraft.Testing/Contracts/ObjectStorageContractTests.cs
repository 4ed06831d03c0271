using System.Security.Cryptography;
using System.Text;
using Stagecraft.Storage;
using Stagecraft.Storage.Transfers;

namespace Stagecraft.Testing.Contracts;

/// <summary>
/// The behaviour every <see cref="IObjectStorage"/> adapter must have (Cloud Storage semantics). Subclass it once
/// per adapter and return a fresh, empty store from <see cref="CreateStorageAsync"/>; every test gets its own.
/// Nothing here assumes the store keeps its objects on the local file system (transfer tests use local
/// directories only for the local side of the transfer).
/// </summary>
/// <remarks>
/// Decisions the interface leaves open, pinned here so adapters agree:
/// <list type="bullet">
/// <item>A missing object: <c>Get</c> throws <see cref="ObjectNotFoundException"/> (also with a generation
/// precondition), <c>Stat</c> returns null, <c>Delete</c> returns false.</item>
/// <item><c>Delete</c> with <c>IfGenerationMatch = g</c> (g ≠ 0) on a missing object throws
/// <see cref="PreconditionFailedException"/> with actual generation 0; with 0 it returns false.</item>
/// <item>A range starting at or past the end is <see cref="ArgumentOutOfRangeException"/>; running past the end truncates.</item>
/// <item>Without a content type an object gets <see cref="PutObjectOptions.DefaultContentType"/>.</item>
/// <item>Copy keeps the source's content type and metadata and gives the destination a new generation.</item>
/// </list>
/// </remarks>
public abstract class ObjectStorageContractTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    private IObjectStorage? _storage;

    protected IObjectStorage Storage => _storage ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IObjectStorage> CreateStorageAsync();

    public async Task InitializeAsync() => _storage = await CreateStorageAsync();

    public virtual async Task DisposeAsync()
    {
        switch (_storage)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    // ---------------------------------------------------------------- keys

    public static TheoryData<string> InvalidKeys => new()
    {
        "",
        "/absolute",
        "a//b",
        "trailing/",
        "a/./b",
        "a/../b",
        "..",
        "line\nbreak",
        "nul\0char",
        new string('k', ObjectKey.MaxUtf8Bytes + 1),
        new string('é', (ObjectKey.MaxUtf8Bytes / 2) + 1),
    };

    [Theory]
    [MemberData(nameof(InvalidKeys))]
    public async Task Every_operation_rejects_an_invalid_key(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PutAsync(key, Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.GetAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.StatAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.DeleteAsync(key));
        await PutTextAsync("valid", "x");
        var copyFrom = await Assert.ThrowsAsync<ArgumentException>(() => Storage.CopyAsync(key, "valid"));
        Assert.Equal("sourceKey", copyFrom.ParamName);
        var copyTo = await Assert.ThrowsAsync<ArgumentException>(() => Storage.CopyAsync("valid", key));
        Assert.Equal("destinationKey", copyTo.ParamName);
        Assert.Equal(["valid"], await ListKeysAsync(""));
    }

    [Fact]
    public async Task Invalid_key_message_names_the_key_and_the_rule()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Storage.PutAsync("data/../etc", Bytes("x")));
        Assert.Contains("data/../etc", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'..' segment", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("a//")]
    [InlineData("../x/")]
    public void Listing_rejects_an_invalid_prefix(string prefix) =>
        Assert.Throws<ArgumentException>(() => Storage.ListAsync(prefix));

    public static TheoryData<string> UnusualValidKeys => new()
    {
        "a",
        ".hidden/.also",
        "spaces and  symbols/#%^~!@$&()[]{}+=,;'`",
        "percent/%41%2F",
        "Case/Model.BIN",
        "ünïcødé/ключ/中文/😀",
        "back\\slash/colon:star*question?",
        "x/" + new string('s', 300),
        new string('a', ObjectKey.MaxUtf8Bytes),
        new string('é', ObjectKey.MaxUtf8Bytes / 2),
        string.Join('/', Enumerable.Repeat("d", ObjectKey.MaxUtf8Bytes / 2)),
    };

    [Theory]
    [MemberData(nameof(UnusualValidKeys))]
    public async Task Unusual_but_valid_keys_round_trip_through_put_get_stat_list_copy_and_delete(string key)
    {
        var put = await PutTextAsync(key, "payload:" + key);
        Assert.Equal(key, put.Key);
        Assert.Equal("payload:" + key, await ReadTextAsync(key));
        Assert.Equal(key, (await Storage.StatAsync(key))?.Key);
        Assert.Equal([key], await ListKeysAsync(""));

        await Storage.CopyAsync(key, "copy");
        Assert.Equal("payload:" + key, await ReadTextAsync("copy"));
        Assert.True(await Storage.DeleteAsync(key));
        Assert.Null(await Storage.StatAsync(key));
        Assert.Equal(["copy"], await ListKeysAsync(""));
    }

    [Fact]
    public async Task Keys_differing_only_in_case_are_different_objects()
    {
        await PutTextAsync("data/Model.bin", "upper");
        await PutTextAsync("data/model.bin", "lower");
        await PutTextAsync("data/MODEL.BIN", "shout");
        Assert.Equal("upper", await ReadTextAsync("data/Model.bin"));
        Assert.Equal("lower", await ReadTextAsync("data/model.bin"));
        Assert.Equal("shout", await ReadTextAsync("data/MODEL.BIN"));
        Assert.Equal(["data/MODEL.BIN", "data/Model.bin", "data/model.bin"], await ListKeysAsync("data/"));
    }

    [Fact]
    public async Task An_object_and_a_folder_of_the_same_name_coexist()
    {
        await PutTextAsync("a", "file a");
        await PutTextAsync("a/b", "file a/b");
        await PutTextAsync("a/b/c", "file a/b/c");
        Assert.Equal("file a", await ReadTextAsync("a"));
        Assert.Equal("file a/b", await ReadTextAsync("a/b"));
        Assert.Equal("file a/b/c", await ReadTextAsync("a/b/c"));
        Assert.Equal(["a", "a/b", "a/b/c"], await ListKeysAsync(""));
        Assert.True(await Storage.DeleteAsync("a/b"));
        Assert.Equal(["a", "a/b/c"], await ListKeysAsync(""));
    }

    // ---------------------------------------------------------------- put, get, stat, generations

    [Fact]
    public async Task Put_returns_the_information_that_stat_get_and_list_report()
    {
        var put = await PutTextAsync("k/v.txt", "hello", new PutObjectOptions { ContentType = "text/plain", Metadata = Meta(("owner", "me")) });
        Assert.Equal("k/v.txt", put.Key);
        Assert.Equal(5, put.Size);
        Assert.True(put.Generation > 0);
        Assert.NotEqual(default, put.Updated);

        var stat = await Storage.StatAsync("k/v.txt");
        AssertSameInfo(put, stat);
        await using (var read = await Storage.GetAsync("k/v.txt"))
        {
            AssertSameInfo(put, read.Info);
        }

        var listed = Assert.Single(await ListEntriesAsync(""));
        AssertSameInfo(put, listed.Object);
    }

    [Fact]
    public async Task Put_replaces_content_size_and_metadata_whole()
    {
        await PutTextAsync("obj", "a much longer first version", new PutObjectOptions { ContentType = "text/plain", Metadata = Meta(("a", "1"), ("b", "2")) });
        var second = await PutTextAsync("obj", "short", new PutObjectOptions { Metadata = Meta(("c", "3")) });
        Assert.Equal("short", await ReadTextAsync("obj"));
        Assert.Equal(5, second.Size);
        Assert.Equal(Meta(("c", "3")), second.Metadata);
        Assert.Equal(PutObjectOptions.DefaultContentType, second.ContentType);
        AssertSameInfo(second, await Storage.StatAsync("obj"));
    }

    [Fact]
    public async Task Empty_objects_are_objects()
    {
        var put = await Storage.PutAsync("empty", new MemoryStream());
        Assert.Equal(0, put.Size);
        Assert.Equal("1B2M2Y8AsgTpgAmY7PhCfg==", put.Md5);
        Assert.Equal("AAAAAA==", put.Crc32c);
        Assert.Equal(string.Empty, await ReadTextAsync("empty"));
        Assert.Equal(["empty"], await ListKeysAsync(""));
    }

    [Fact]
    public async Task Generation_strictly_increases_on_every_write_of_a_key()
    {
        var previous = 0L;
        for (var i = 0; i < 10; i++)
        {
            var info = await PutTextAsync("counter", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(info.Generation > previous, $"write {i}: generation {info.Generation} is not above {previous}");
            previous = info.Generation;
        }

        Assert.Equal(previous, (await Storage.StatAsync("counter"))!.Generation);
    }

    [Fact]
    public async Task Generation_keeps_increasing_across_delete_and_recreate()
    {
        var first = await PutTextAsync("phoenix", "1");
        var second = await PutTextAsync("phoenix", "2");
        Assert.True(await Storage.DeleteAsync("phoenix"));
        var reborn = await PutTextAsync("phoenix", "3", new PutObjectOptions { IfGenerationMatch = 0 });
        Assert.True(second.Generation > first.Generation);
        Assert.True(reborn.Generation > second.Generation, $"re-created generation {reborn.Generation} is not above the deleted {second.Generation}");
    }

    [Fact]
    public async Task Get_reports_the_generation_of_the_content_it_returns()
    {
        var first = await PutTextAsync("g", "first");
        await using var read = await Storage.GetAsync("g");
        var second = await PutTextAsync("g", "second");
        Assert.Equal(first.Generation, read.Info.Generation);
        Assert.NotEqual(first.Generation, second.Generation);

        // A reader that opened the first version still reads it whole, whatever happened since.
        Assert.Equal("first", await ReadAllTextAsync(read.Content));
        Assert.Equal("second", await ReadTextAsync("g"));
    }

    [Fact]
    public async Task Put_accepts_a_forward_only_stream_delivering_small_chunks()
    {
        var data = RandomBytes(3 * 1024 * 1024 + 17, seed: 42);
        var info = await Storage.PutAsync("big/blob.bin", new NonSeekableStream(data, chunk: 65_537));
        Assert.Equal(data.Length, info.Size);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(data)), info.Md5);
        Assert.Equal(Crc32CBase64(data), info.Crc32c);
        Assert.Equal(data, await ReadBytesAsync("big/blob.bin"));
    }

    [Fact]
    public async Task Put_that_fails_while_reading_its_content_leaves_the_previous_object()
    {
        var before = await PutTextAsync("fragile", "previous");
        var data = RandomBytes(1024 * 1024, seed: 7);
        await Assert.ThrowsAsync<IOException>(() => Storage.PutAsync("fragile", new NonSeekableStream(data, failAfter: 300_000)));
        AssertSameInfo(before, await Storage.StatAsync("fragile"));
        Assert.Equal("previous", await ReadTextAsync("fragile"));
        Assert.Equal(["fragile"], await ListKeysAsync(""));
    }

    [Fact]
    public async Task Put_cancelled_before_it_starts_changes_nothing()
    {
        var before = await PutTextAsync("cancel", "kept");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.PutAsync("cancel", Bytes("lost"), null, cancelled.Token));
        AssertSameInfo(before, await Storage.StatAsync("cancel"));
    }

    // ---------------------------------------------------------------- preconditions: put

    [Fact]
    public async Task Put_if_generation_0_creates_a_missing_object()
    {
        var info = await PutTextAsync("new", "v", new PutObjectOptions { IfGenerationMatch = 0 });
        Assert.Equal("v", await ReadTextAsync("new"));
        Assert.True(info.Generation > 0);
    }

    [Fact]
    public async Task Put_if_generation_0_fails_on_an_existing_object_and_reports_its_generation()
    {
        var existing = await PutTextAsync("taken", "first");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => PutTextAsync("taken", "second", new PutObjectOptions { IfGenerationMatch = 0 }));
        Assert.Equal("taken", ex.Key);
        Assert.Equal(0, ex.ExpectedGeneration);
        Assert.Equal(existing.Generation, ex.ActualGeneration);
        Assert.Equal("first", await ReadTextAsync("taken"));
        AssertSameInfo(existing, await Storage.StatAsync("taken"));
    }

    [Fact]
    public async Task Put_if_generation_matches_the_current_one_succeeds()
    {
        var first = await PutTextAsync("cas", "1");
        var second = await PutTextAsync("cas", "2", new PutObjectOptions { IfGenerationMatch = first.Generation });
        Assert.True(second.Generation > first.Generation);
        Assert.Equal("2", await ReadTextAsync("cas"));
    }

    [Fact]
    public async Task Put_if_generation_is_stale_fails_and_reports_expected_and_actual()
    {
        var first = await PutTextAsync("cas", "1");
        var second = await PutTextAsync("cas", "2");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => PutTextAsync("cas", "lost update", new PutObjectOptions { IfGenerationMatch = first.Generation }));
        Assert.Equal("cas", ex.Key);
        Assert.Equal(first.Generation, ex.ExpectedGeneration);
        Assert.Equal(second.Generation, ex.ActualGeneration);
        Assert.Equal("2", await ReadTextAsync("cas"));
    }

    [Fact]
    public async Task Put_if_generation_nonzero_fails_on_a_missing_object_with_actual_0()
    {
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => PutTextAsync("absent", "x", new PutObjectOptions { IfGenerationMatch = 12345 }));
        Assert.Equal(12345, ex.ExpectedGeneration);
        Assert.Equal(0, ex.ActualGeneration);
        Assert.Null(await Storage.StatAsync("absent"));
    }

    [Fact]
    public async Task Put_if_generation_of_a_deleted_object_fails_after_recreation()
    {
        var first = await PutTextAsync("aba", "1");
        await Storage.DeleteAsync("aba");
        var recreated = await PutTextAsync("aba", "2");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => PutTextAsync("aba", "3", new PutObjectOptions { IfGenerationMatch = first.Generation }));
        Assert.Equal(recreated.Generation, ex.ActualGeneration);
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_increments_lose_no_update()
    {
        const int Workers = 4;
        const int Increments = 10;
        await PutTextAsync("counter", "0");
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < Increments; i++)
            {
                await IncrementAsync(Storage, "counter");
            }
        })));
        Assert.Equal((Workers * Increments).ToString(System.Globalization.CultureInfo.InvariantCulture), await ReadTextAsync("counter"));
    }

    // ---------------------------------------------------------------- preconditions: delete

    [Fact]
    public async Task Delete_of_a_missing_object_returns_false()
    {
        Assert.False(await Storage.DeleteAsync("never"));
        Assert.False(await Storage.DeleteAsync("never", new DeleteObjectOptions { IfGenerationMatch = 0 }));
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        await PutTextAsync("doomed", "x");
        Assert.True(await Storage.DeleteAsync("doomed"));
        Assert.Null(await Storage.StatAsync("doomed"));
        Assert.Empty(await ListKeysAsync(""));
        Assert.False(await Storage.DeleteAsync("doomed"));
    }

    [Fact]
    public async Task Delete_if_generation_matches_deletes()
    {
        var info = await PutTextAsync("doomed", "x");
        Assert.True(await Storage.DeleteAsync("doomed", new DeleteObjectOptions { IfGenerationMatch = info.Generation }));
        Assert.Null(await Storage.StatAsync("doomed"));
    }

    [Fact]
    public async Task Delete_if_generation_is_stale_fails_and_keeps_the_object()
    {
        var first = await PutTextAsync("kept", "1");
        var second = await PutTextAsync("kept", "2");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.DeleteAsync("kept", new DeleteObjectOptions { IfGenerationMatch = first.Generation }));
        Assert.Equal("kept", ex.Key);
        Assert.Equal(first.Generation, ex.ExpectedGeneration);
        Assert.Equal(second.Generation, ex.ActualGeneration);
        Assert.Equal("2", await ReadTextAsync("kept"));
    }

    [Fact]
    public async Task Delete_if_generation_0_fails_on_an_existing_object()
    {
        var info = await PutTextAsync("kept", "1");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.DeleteAsync("kept", new DeleteObjectOptions { IfGenerationMatch = 0 }));
        Assert.Equal(0, ex.ExpectedGeneration);
        Assert.Equal(info.Generation, ex.ActualGeneration);
        Assert.NotNull(await Storage.StatAsync("kept"));
    }

    [Fact]
    public async Task Delete_if_generation_nonzero_fails_on_a_missing_object_with_actual_0()
    {
        var info = await PutTextAsync("gone", "1");
        await Storage.DeleteAsync("gone");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.DeleteAsync("gone", new DeleteObjectOptions { IfGenerationMatch = info.Generation }));
        Assert.Equal(info.Generation, ex.ExpectedGeneration);
        Assert.Equal(0, ex.ActualGeneration);
    }

    // ---------------------------------------------------------------- preconditions: get

    [Fact]
    public async Task Get_if_generation_matches_reads()
    {
        var info = await PutTextAsync("r", "content");
        await using var read = await Storage.GetAsync("r", new GetObjectOptions { IfGenerationMatch = info.Generation });
        Assert.Equal("content", await ReadAllTextAsync(read.Content));
    }

    [Fact]
    public async Task Get_if_generation_is_stale_fails_and_reports_expected_and_actual()
    {
        var first = await PutTextAsync("r", "1");
        var second = await PutTextAsync("r", "2");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.GetAsync("r", new GetObjectOptions { IfGenerationMatch = first.Generation }));
        Assert.Equal("r", ex.Key);
        Assert.Equal(first.Generation, ex.ExpectedGeneration);
        Assert.Equal(second.Generation, ex.ActualGeneration);
    }

    [Fact]
    public async Task Get_if_generation_0_fails_on_an_existing_object()
    {
        var info = await PutTextAsync("r", "1");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.GetAsync("r", new GetObjectOptions { IfGenerationMatch = 0 }));
        Assert.Equal(0, ex.ExpectedGeneration);
        Assert.Equal(info.Generation, ex.ActualGeneration);
    }

    // ---------------------------------------------------------------- not found

    [Fact]
    public async Task Missing_object_get_throws_not_found_naming_the_key()
    {
        var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.GetAsync("no/such/key"));
        Assert.Equal("no/such/key", ex.Key);
        var withPrecondition = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.GetAsync("no/such/key", new GetObjectOptions { IfGenerationMatch = 5 }));
        Assert.Equal("no/such/key", withPrecondition.Key);
    }

    [Fact]
    public async Task Missing_object_stat_returns_null() => Assert.Null(await Storage.StatAsync("no/such/key"));

    [Fact]
    public async Task Missing_object_is_not_found_under_an_existing_folder()
    {
        await PutTextAsync("dir/present", "x");
        Assert.Null(await Storage.StatAsync("dir"));
        Assert.Null(await Storage.StatAsync("dir/absent"));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.GetAsync("dir"));
        Assert.False(await Storage.DeleteAsync("dir"));
    }

    // ---------------------------------------------------------------- copy

    [Fact]
    public async Task Copy_duplicates_content_type_metadata_and_checksums_with_a_new_generation()
    {
        var data = RandomBytes(200_000, seed: 3);
        var source = await Storage.PutAsync("src/a.bin", new MemoryStream(data), new PutObjectOptions { ContentType = "application/x-model", Metadata = Meta(("epoch", "7"), ("note", "ünï")) });
        var copy = await Storage.CopyAsync("src/a.bin", "dst/b.bin");
        Assert.Equal("dst/b.bin", copy.Key);
        Assert.Equal(source.Size, copy.Size);
        Assert.Equal(source.ContentType, copy.ContentType);
        Assert.Equal(source.Metadata, copy.Metadata);
        Assert.Equal(source.Md5, copy.Md5);
        Assert.Equal(source.Crc32c, copy.Crc32c);
        Assert.True(copy.Generation > 0);
        Assert.Equal(data, await ReadBytesAsync("dst/b.bin"));
        AssertSameInfo(source, await Storage.StatAsync("src/a.bin"));
        AssertSameInfo(copy, await Storage.StatAsync("dst/b.bin"));
    }

    [Fact]
    public async Task Copy_over_an_existing_object_replaces_it_with_a_higher_generation()
    {
        await PutTextAsync("src", "new");
        var old = await PutTextAsync("dst", "old old old");
        var copy = await Storage.CopyAsync("src", "dst");
        Assert.True(copy.Generation > old.Generation);
        Assert.Equal("new", await ReadTextAsync("dst"));
    }

    [Fact]
    public async Task Copy_onto_itself_writes_a_new_generation_with_the_same_content()
    {
        var first = await PutTextAsync("self", "same", new PutObjectOptions { Metadata = Meta(("m", "1")) });
        var copy = await Storage.CopyAsync("self", "self");
        Assert.True(copy.Generation > first.Generation);
        Assert.Equal("same", await ReadTextAsync("self"));
        Assert.Equal(first.Metadata, copy.Metadata);
    }

    [Fact]
    public async Task Copy_of_a_missing_source_throws_not_found_and_writes_nothing()
    {
        var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Storage.CopyAsync("absent", "dst"));
        Assert.Equal("absent", ex.Key);
        Assert.Null(await Storage.StatAsync("dst"));
    }

    [Fact]
    public async Task Copy_if_generation_0_creates_a_missing_destination()
    {
        await PutTextAsync("src", "x");
        await Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfGenerationMatch = 0 });
        Assert.Equal("x", await ReadTextAsync("dst"));
    }

    [Fact]
    public async Task Copy_if_generation_0_fails_on_an_existing_destination()
    {
        await PutTextAsync("src", "x");
        var dst = await PutTextAsync("dst", "keep");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfGenerationMatch = 0 }));
        Assert.Equal("dst", ex.Key);
        Assert.Equal(0, ex.ExpectedGeneration);
        Assert.Equal(dst.Generation, ex.ActualGeneration);
        Assert.Equal("keep", await ReadTextAsync("dst"));
    }

    [Fact]
    public async Task Copy_if_destination_generation_matches_succeeds_and_if_stale_fails()
    {
        await PutTextAsync("src", "x");
        var dst1 = await PutTextAsync("dst", "1");
        var dst2 = await Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfGenerationMatch = dst1.Generation });
        Assert.Equal("x", await ReadTextAsync("dst"));

        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfGenerationMatch = dst1.Generation }));
        Assert.Equal(dst1.Generation, ex.ExpectedGeneration);
        Assert.Equal(dst2.Generation, ex.ActualGeneration);
    }

    [Fact]
    public async Task Copy_if_destination_generation_nonzero_fails_on_a_missing_destination()
    {
        await PutTextAsync("src", "x");
        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfGenerationMatch = 99 }));
        Assert.Equal(99, ex.ExpectedGeneration);
        Assert.Equal(0, ex.ActualGeneration);
        Assert.Null(await Storage.StatAsync("dst"));
    }

    [Fact]
    public async Task Copy_if_source_generation_matches_succeeds_and_if_stale_fails_naming_the_source()
    {
        var src1 = await PutTextAsync("src", "1");
        await Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfSourceGenerationMatch = src1.Generation });
        var src2 = await PutTextAsync("src", "2");

        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.CopyAsync("src", "dst", new CopyObjectOptions { IfSourceGenerationMatch = src1.Generation }));
        Assert.Equal("src", ex.Key);
        Assert.Equal(src1.Generation, ex.ExpectedGeneration);
        Assert.Equal(src2.Generation, ex.ActualGeneration);
        Assert.Equal("1", await ReadTextAsync("dst"));
    }

    // ---------------------------------------------------------------- ranged reads

    [Theory]
    [InlineData(0, 9L, "0123456789")]
    [InlineData(2, 5L, "2345")]
    [InlineData(9, 9L, "9")]
    [InlineData(0, 0L, "0")]
    [InlineData(7, null, "789")]
    [InlineData(0, null, "0123456789")]
    [InlineData(8, 100L, "89")]
    [InlineData(3, long.MaxValue, "3456789")]
    public async Task Ranged_reads_return_the_inclusive_range_truncated_at_the_end(long from, long? to, string expected)
    {
        var info = await PutTextAsync("digits", "0123456789");
        await using var read = await Storage.GetAsync("digits", new GetObjectOptions { Range = new ByteRange(from, to) });
        Assert.Equal(expected, await ReadAllTextAsync(read.Content));
        AssertSameInfo(info, read.Info);
        Assert.Equal(10, read.Info.Size);
    }

    [Theory]
    [InlineData(10, null)]
    [InlineData(10, 20L)]
    [InlineData(1000, null)]
    public async Task Ranged_read_starting_at_or_past_the_end_is_out_of_range(long from, long? to)
    {
        await PutTextAsync("digits", "0123456789");
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Storage.GetAsync("digits", new GetObjectOptions { Range = new ByteRange(from, to) }));
    }

    [Fact]
    public async Task Ranged_read_of_a_large_object_and_precondition_combine()
    {
        var data = RandomBytes(1_000_000, seed: 11);
        var info = await Storage.PutAsync("large", new MemoryStream(data));
        await using (var read = await Storage.GetAsync("large", new GetObjectOptions { Range = new ByteRange(123_456, 654_320), IfGenerationMatch = info.Generation }))
        {
            Assert.Equal(data.AsSpan(123_456, 654_320 - 123_456 + 1).ToArray(), await ReadAllBytesAsync(read.Content));
        }

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Storage.GetAsync("large", new GetObjectOptions { Range = new ByteRange(0, 10), IfGenerationMatch = info.Generation + 1 }));
    }

    // ---------------------------------------------------------------- listing

    [Fact]
    public async Task Listing_is_in_utf8_byte_order_not_utf16_order()
    {
        // '/' (2F) sorts after '.' (2E) and before '0' (30); U+FF5E sorts before U+1F600 in UTF-8 (not in UTF-16).
        string[] keys = ["b", "a/b", "a.c", "a", "a0", "a/b/c", "é", "\uFF5E", "😀", "Z", "a-"];
        foreach (var key in keys)
        {
            await PutTextAsync(key, key);
        }

        string[] expected = ["Z", "a", "a-", "a.c", "a/b", "a/b/c", "a0", "b", "é", "\uFF5E", "😀"];
        Assert.Equal(expected, await ListKeysAsync(""));
        Assert.Equal(expected, keys.Order(ObjectKeyComparer.Instance));
    }

    [Fact]
    public async Task Listing_prefix_is_a_string_prefix_not_a_folder()
    {
        foreach (var key in new[] { "dir/a", "dir/ab", "dir/a/x", "dir/b", "dira", "di" })
        {
            await PutTextAsync(key, key);
        }

        Assert.Equal(["dir/a", "dir/a/x", "dir/ab"], await ListKeysAsync("dir/a"));
        Assert.Equal(["dir/a", "dir/a/x", "dir/ab", "dir/b"], await ListKeysAsync("dir/"));
        Assert.Equal(["dir/a", "dir/a/x", "dir/ab", "dir/b", "dira"], await ListKeysAsync("dir"));
        Assert.Equal(["dir/a/x"], await ListKeysAsync("dir/a/"));
        Assert.Empty(await ListKeysAsync("nothing/"));
        Assert.Empty(await ListKeysAsync("dir/a/x/"));
    }

    [Fact]
    public async Task Listing_an_empty_store_yields_nothing() => Assert.Empty(await ListEntriesAsync(""));

    [Fact]
    public async Task Listing_with_a_delimiter_folds_common_prefixes_in_order()
    {
        foreach (var key in new[] { "d/1", "d/sub/2", "d/sub/deeper/3", "d/sub2/4", "d/x", "d.txt", "e/5" })
        {
            await PutTextAsync(key, key);
        }

        Assert.Equal(["d/1", "d/sub/", "d/sub2/", "d/x"], Describe(await ListEntriesAsync("d/", new ListObjectsOptions { Delimiter = "/" })));
        Assert.Equal(["d.txt", "d/", "e/"], Describe(await ListEntriesAsync("", new ListObjectsOptions { Delimiter = "/" })));
        Assert.Equal(["d/sub/2", "d/sub/deeper/"], Describe(await ListEntriesAsync("d/sub/", new ListObjectsOptions { Delimiter = "/" })));

        // The prefix need not end at a delimiter.
        Assert.Equal(["d/sub/", "d/sub2/"], Describe(await ListEntriesAsync("d/s", new ListObjectsOptions { Delimiter = "/" })));
    }

    [Fact]
    public async Task Listing_with_a_delimiter_other_than_slash_folds_at_it()
    {
        foreach (var key in new[] { "a-1-x", "a-1-y", "a-2", "a-3-z/q", "b-1" })
        {
            await PutTextAsync(key, key);
        }

        Assert.Equal(["a-1-", "a-2", "a-3-"], Describe(await ListEntriesAsync("a-", new ListObjectsOptions { Delimiter = "-" })));
        Assert.Equal(["a-1-x", "a-1-y", "a-2", "a-3-z/", "b-1"], Describe(await ListEntriesAsync("", new ListObjectsOptions { Delimiter = "/" })));
        Assert.Equal(["a-1-", "a-2", "a-3-"], Describe(await ListEntriesAsync("a-", new ListObjectsOptions { Delimiter = "-", PageSize = 1 })));
    }

    [Fact]
    public async Task Listing_does_not_report_a_folder_whose_objects_were_all_deleted()
    {
        await PutTextAsync("p/keep", "x");
        await PutTextAsync("p/gone/one", "x");
        await PutTextAsync("p/gone/deeper/two", "x");
        await Storage.DeleteAsync("p/gone/one");
        await Storage.DeleteAsync("p/gone/deeper/two");
        Assert.Equal(["p/keep"], Describe(await ListEntriesAsync("p/", new ListObjectsOptions { Delimiter = "/" })));
        Assert.Equal(["p/keep"], await ListKeysAsync(""));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task Listing_pages_underneath_without_losing_or_repeating_entries(int pageSize)
    {
        // Folders of several sizes so page boundaries fall before, inside and after folded prefixes.
        var keys = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            keys.Add($"set/f{i:D2}");
        }

        for (var i = 0; i < 5; i++)
        {
            keys.Add($"set/big/{i}");
            keys.Add($"set/big/nested/{i}");
        }

        keys.AddRange(["set/one/x", "set/two/a/b", "set/two/c", "set/z"]);
        foreach (var key in keys)
        {
            await PutTextAsync(key, key);
        }

        Assert.Equal(keys.Order(ObjectKeyComparer.Instance), await ListKeysAsync("set/", new ListObjectsOptions { PageSize = pageSize }));

        var folded = Describe(await ListEntriesAsync("set/", new ListObjectsOptions { Delimiter = "/", PageSize = pageSize }));
        string[] expectedFolded = ["set/big/", "set/f00", "set/f01", "set/f02", "set/f03", "set/f04", "set/f05", "set/f06", "set/f07", "set/f08", "set/one/", "set/two/", "set/z"];
        Assert.Equal(expectedFolded, folded);
    }

    [Fact]
    public async Task Listing_entries_carry_full_object_information()
    {
        var info = await PutTextAsync("m/obj", "body", new PutObjectOptions { ContentType = "text/csv", Metadata = Meta(("k", "v")) });
        var entry = Assert.Single(await ListEntriesAsync("m/"));
        Assert.False(entry.IsPrefix);
        AssertSameInfo(info, entry.Object);
    }

    [Fact]
    public async Task Listing_can_be_cancelled()
    {
        for (var i = 0; i < 5; i++)
        {
            await PutTextAsync($"c/{i}", "x");
        }

        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in Storage.ListAsync("c/", new ListObjectsOptions { PageSize = 1 }, cts.Token))
            {
                seen++;
                await cts.CancelAsync();
            }
        });
        Assert.Equal(1, seen);
    }

    // ---------------------------------------------------------------- metadata, content type, checksums

    [Fact]
    public async Task Metadata_round_trips_through_stat_get_list_and_copy()
    {
        var metadata = Meta(("plain", "value"), ("empty", ""), ("unicode-ключ", "значение 😀"), ("spaces in key", "and = signs; here"));
        await PutTextAsync("meta", "x", new PutObjectOptions { Metadata = metadata });
        Assert.Equal(metadata, (await Storage.StatAsync("meta"))!.Metadata);
        await using (var read = await Storage.GetAsync("meta"))
        {
            Assert.Equal(metadata, read.Info.Metadata);
        }

        Assert.Equal(metadata, Assert.Single(await ListEntriesAsync("meta")).Object!.Metadata);
        Assert.Equal(metadata, (await Storage.CopyAsync("meta", "meta2")).Metadata);
    }

    [Fact]
    public async Task Objects_without_metadata_have_an_empty_dictionary()
    {
        var info = await PutTextAsync("bare", "x");
        Assert.NotNull(info.Metadata);
        Assert.Empty(info.Metadata);
        Assert.Empty((await Storage.StatAsync("bare"))!.Metadata);
    }

    [Fact]
    public async Task Invalid_metadata_is_rejected_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new PutObjectOptions { Metadata = Meta(("", "empty key")) }));
        await Assert.ThrowsAsync<ArgumentException>(() => PutTextAsync("m", "x", new PutObjectOptions { Metadata = Meta(("big", new string('v', ObjectMetadata.MaxUtf8Bytes))) }));
        Assert.Null(await Storage.StatAsync("m"));
    }

    [Fact]
    public async Task Content_type_round_trips_and_defaults_to_octet_stream()
    {
        var typed = await PutTextAsync("t.json", "{}", new PutObjectOptions { ContentType = "application/json; charset=utf-8" });
        Assert.Equal("application/json; charset=utf-8", typed.ContentType);
        Assert.Equal("application/json; charset=utf-8", (await Storage.StatAsync("t.json"))!.ContentType);
        var untyped = await PutTextAsync("t.bin", "{}");
        Assert.Equal(PutObjectOptions.DefaultContentType, untyped.ContentType);
        Assert.Equal(PutObjectOptions.DefaultContentType, (await Storage.StatAsync("t.bin"))!.ContentType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("123456789")]
    [InlineData("The quick brown fox jumps over the lazy dog")]
    public async Task Md5_and_crc32c_are_the_base64_checksums_of_the_content(string text)
    {
        var data = Encoding.UTF8.GetBytes(text);
        var info = await Storage.PutAsync("sum", new MemoryStream(data));
        Assert.Equal(Convert.ToBase64String(MD5.HashData(data)), info.Md5);
        Assert.Equal(Crc32CBase64(data), info.Crc32c);
        var stat = await Storage.StatAsync("sum");
        Assert.Equal(info.Md5, stat!.Md5);
        Assert.Equal(info.Crc32c, stat.Crc32c);
        if (text == "123456789")
        {
            Assert.Equal("4waSgw==", info.Crc32c); // the published CRC32C check value 0xE3069283
            Assert.Equal("JfnnlDI7RTiF9RgfG2JNCw==", info.Md5);
        }
    }

    // ---------------------------------------------------------------- directory transfers

    [Fact]
    public async Task Upload_and_download_round_trip_a_tree_with_its_modification_times()
    {
        using var source = new TempDirectory("upload");
        var tree = WriteSampleTree(source);
        var progress = new RecordingProgress<TransferProgress>();

        var uploaded = await Storage.UploadDirectoryAsync(source.Path, "datasets/v1", new TransferOptions { Progress = progress }).WaitAsync(Generous);

        string[] expectedKeys = [.. tree.Keys.Select(rel => "datasets/v1/" + rel).Order(ObjectKeyComparer.Instance)];
        Assert.Equal(expectedKeys, uploaded.TransferredKeys);
        Assert.Empty(uploaded.SkippedKeys);
        Assert.Equal(tree.Values.Sum(f => (long)f.Content.Length), uploaded.BytesTransferred);
        Assert.Equal(expectedKeys, await ListKeysAsync("datasets/v1/"));
        foreach (var (rel, file) in tree)
        {
            var info = await Storage.StatAsync("datasets/v1/" + rel);
            Assert.Equal(TransferMetadata.FormatLastWriteTime(file.LastWriteTimeUtc), info!.Metadata[TransferMetadata.LastWriteTimeKey]);
            Assert.Equal(file.Content, await ReadBytesAsync("datasets/v1/" + rel));
        }

        var last = progress.Reports[^1];
        Assert.Equal(tree.Count, progress.Reports.Count);
        Assert.Equal(tree.Count, last.TotalFiles);
        Assert.Equal(tree.Count, last.FilesTransferred);
        Assert.Equal(uploaded.BytesTransferred, last.BytesTransferred);
        Assert.Equal(last.TotalBytes, last.BytesTransferred);

        using var target = new TempDirectory("download");
        var downloaded = await Storage.DownloadPrefixAsync("datasets/v1", target.Path).WaitAsync(Generous);
        Assert.Equal(expectedKeys, downloaded.TransferredKeys);
        AssertTreeEquals(tree, target.Path);
    }

    [Fact]
    public async Task Upload_skips_unchanged_files_and_sends_changed_ones()
    {
        using var source = new TempDirectory("upload");
        var tree = WriteSampleTree(source);
        await Storage.UploadDirectoryAsync(source.Path, "ds/").WaitAsync(Generous);
        var generations = await GenerationsAsync("ds/");

        var again = await Storage.UploadDirectoryAsync(source.Path, "ds/").WaitAsync(Generous);
        Assert.Empty(again.TransferredKeys);
        Assert.Equal(tree.Count, again.FilesSkipped);
        Assert.Equal(generations, await GenerationsAsync("ds/"));

        // Same size, new content and time; and a file only touched (same content, new time).
        var changed = source.Combine("a.txt");
        File.WriteAllText(changed, "AAAA");
        File.SetLastWriteTimeUtc(changed, new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(12345));
        File.SetLastWriteTimeUtc(source.Combine("nested", "deeper", "c.bin"), new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var third = await Storage.UploadDirectoryAsync(source.Path, "ds/").WaitAsync(Generous);
        Assert.Equal(["ds/a.txt", "ds/nested/deeper/c.bin"], third.TransferredKeys);
        Assert.Equal(tree.Count - 2, third.FilesSkipped);
        Assert.Equal("AAAA", await ReadTextAsync("ds/a.txt"));
    }

    [Fact]
    public async Task Download_skips_unchanged_files_and_restores_changed_ones()
    {
        using var source = new TempDirectory("upload");
        var tree = WriteSampleTree(source);
        await Storage.UploadDirectoryAsync(source.Path, "ds").WaitAsync(Generous);
        using var target = new TempDirectory("download");
        await Storage.DownloadPrefixAsync("ds", target.Path).WaitAsync(Generous);

        var progress = new RecordingProgress<TransferProgress>();
        var again = await Storage.DownloadPrefixAsync("ds", target.Path, new TransferOptions { Progress = progress }).WaitAsync(Generous);
        Assert.Empty(again.TransferredKeys);
        Assert.Equal(tree.Count, again.FilesSkipped);
        Assert.Equal(tree.Count, progress.Reports[^1].FilesSkipped);
        Assert.Equal(0, progress.Reports[^1].BytesTransferred);

        // Local edits: one file rewritten (same size), one only touched, one deleted.
        File.WriteAllText(Path.Combine(target.Path, "a.txt"), "zzzz");
        File.SetLastWriteTimeUtc(Path.Combine(target.Path, "b.txt"), DateTime.UtcNow);
        File.Delete(Path.Combine(target.Path, "nested", "deeper", "c.bin"));

        var third = await Storage.DownloadPrefixAsync("ds", target.Path).WaitAsync(Generous);
        Assert.Equal(["ds/a.txt", "ds/b.txt", "ds/nested/deeper/c.bin"], third.TransferredKeys);
        AssertTreeEquals(tree, target.Path);
    }

    [Fact]
    public async Task Checksum_change_detection_skips_equal_content_whatever_its_time()
    {
        using var source = new TempDirectory("upload");
        var tree = WriteSampleTree(source);
        var checksum = new TransferOptions { ChangeDetection = ChangeDetection.Checksum };
        await Storage.UploadDirectoryAsync(source.Path, "ds", checksum).WaitAsync(Generous);
        File.SetLastWriteTimeUtc(source.Combine("a.txt"), DateTime.UtcNow);
        var again = await Storage.UploadDirectoryAsync(source.Path, "ds", checksum).WaitAsync(Generous);
        Assert.Empty(again.TransferredKeys);

        using var target = new TempDirectory("download");
        await Storage.DownloadPrefixAsync("ds", target.Path, checksum).WaitAsync(Generous);
        File.SetLastWriteTimeUtc(Path.Combine(target.Path, "b.txt"), DateTime.UtcNow);
        var download = await Storage.DownloadPrefixAsync("ds", target.Path, checksum).WaitAsync(Generous);
        Assert.Empty(download.TransferredKeys);

        // Skipped, but given the source's time back.
        Assert.Equal(tree["b.txt"].LastWriteTimeUtc, File.GetLastWriteTimeUtc(Path.Combine(target.Path, "b.txt")));

        var always = await Storage.DownloadPrefixAsync("ds", target.Path, new TransferOptions { ChangeDetection = ChangeDetection.None }).WaitAsync(Generous);
        Assert.Equal(tree.Count, always.FilesTransferred);
    }

    [Fact]
    public async Task Download_of_objects_written_without_a_recorded_time_gets_their_update_time()
    {
        var info = await PutTextAsync("plain/x.txt", "no mtime metadata");
        using var target = new TempDirectory("download");
        await Storage.DownloadPrefixAsync("plain/", target.Path).WaitAsync(Generous);
        var path = Path.Combine(target.Path, "x.txt");
        Assert.Equal("no mtime metadata", File.ReadAllText(path));
        Assert.Equal(info.Updated.UtcDateTime, File.GetLastWriteTimeUtc(path));
        var again = await Storage.DownloadPrefixAsync("plain/", target.Path).WaitAsync(Generous);
        Assert.Equal(1, again.FilesSkipped);
    }

    [Fact]
    public async Task Transfers_run_in_parallel_no_wider_than_asked()
    {
        using var source = new TempDirectory("upload");
        for (var i = 0; i < 12; i++)
        {
            source.WriteFile($"f{i:D2}.txt", new string('x', i));
        }

        var gauge = new ConcurrencyGauge(Storage);
        await gauge.UploadDirectoryAsync(source.Path, "par", new TransferOptions { MaxParallelism = 3 }).WaitAsync(Generous);
        Assert.InRange(gauge.MaxInFlight, 1, 3);
        Assert.Equal(12, (await ListKeysAsync("par/")).Count);

        using var target = new TempDirectory("download");
        gauge.Reset();
        await gauge.DownloadPrefixAsync("par", target.Path, new TransferOptions { MaxParallelism = 2 }).WaitAsync(Generous);
        Assert.InRange(gauge.MaxInFlight, 1, 2);
        Assert.Equal(12, Directory.GetFiles(target.Path).Length);
    }

    [Fact]
    public async Task Interrupted_download_leaves_no_partial_file_and_keeps_the_previous_one()
    {
        var data = RandomBytes(512 * 1024, seed: 5);
        await Storage.PutAsync("dl/big.bin", new MemoryStream(data));
        await PutTextAsync("dl/small.txt", "small");
        using var target = new TempDirectory("download");
        var previous = Path.Combine(target.Path, "big.bin");
        File.WriteAllText(previous, "previous local version");

        var failing = new FailingReadStorage(Storage, failAfterBytes: 100_000);
        await Assert.ThrowsAsync<IOException>(() => failing.DownloadPrefixAsync("dl", target.Path, new TransferOptions { MaxParallelism = 1, ChangeDetection = ChangeDetection.None }));

        Assert.Equal("previous local version", File.ReadAllText(previous));
        Assert.DoesNotContain(Directory.EnumerateFiles(target.Path, "*", SearchOption.AllDirectories), f => new FileInfo(f).Length == 100_000);
        Assert.All(Directory.EnumerateFiles(target.Path, "*", SearchOption.AllDirectories), f =>
            Assert.True(Path.GetFileName(f) is "big.bin" or "small.txt", $"unexpected file {f}"));

        await Storage.DownloadPrefixAsync("dl", target.Path).WaitAsync(Generous);
        Assert.Equal(data, File.ReadAllBytes(previous));
    }

    [Fact]
    public async Task Download_refuses_a_key_that_clashes_with_a_folder_before_writing_anything()
    {
        await PutTextAsync("clash/a", "file");
        await PutTextAsync("clash/a/b", "nested");
        using var target = new TempDirectory("download");
        var ex = await Assert.ThrowsAsync<UnsafeObjectKeyException>(() => Storage.DownloadPrefixAsync("clash", target.Path));
        Assert.Equal("clash/a/b", ex.Key);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target.Path));
    }

    [Fact]
    public async Task Upload_of_a_missing_directory_fails_naming_it()
    {
        using var temp = new TempDirectory("upload");
        var missing = temp.Combine("missing");
        var ex = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Storage.UploadDirectoryAsync(missing, "x"));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_refuses_a_bad_prefix()
    {
        using var source = new TempDirectory("upload");
        source.WriteFile("f.txt", "x");
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.UploadDirectoryAsync(source.Path, "../up"));
        Assert.Empty(await ListKeysAsync(""));
    }

    // ---------------------------------------------------------------- helpers

    protected static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    protected static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    protected Task<ObjectInfo> PutTextAsync(string key, string text, PutObjectOptions? options = null) =>
        Storage.PutAsync(key, Bytes(text), options);

    protected async Task<string> ReadTextAsync(string key) => Encoding.UTF8.GetString(await ReadBytesAsync(key));

    protected async Task<byte[]> ReadBytesAsync(string key)
    {
        await using var read = await Storage.GetAsync(key);
        return await ReadAllBytesAsync(read.Content);
    }

    protected async Task<List<string>> ListKeysAsync(string prefix, ListObjectsOptions? options = null) =>
        [.. (await ListEntriesAsync(prefix, options)).Select(e => e.Object!.Key)];

    protected async Task<List<ObjectListEntry>> ListEntriesAsync(string prefix, ListObjectsOptions? options = null)
    {
        var entries = new List<ObjectListEntry>();
        await foreach (var entry in Storage.ListAsync(prefix, options))
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>One CAS increment of a decimal counter: read value and generation, write value + 1 if unchanged, else retry.</summary>
    public static async Task<int> IncrementAsync(IObjectStorage storage, string key, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            long generation;
            int value;
            try
            {
                await using var read = await storage.GetAsync(key, null, cancellationToken);
                generation = read.Info.Generation;
                value = int.Parse(await ReadAllTextAsync(read.Content), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (ObjectNotFoundException)
            {
                generation = 0;
                value = 0;
            }

            try
            {
                var next = (value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await storage.PutAsync(key, Bytes(next), new PutObjectOptions { IfGenerationMatch = generation }, cancellationToken);
                return attempt;
            }
            catch (PreconditionFailedException)
            {
                // Someone else won this round: re-read and try again.
            }
        }
    }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>
    /// The expected <c>crc32c</c> in Cloud Storage's encoding, computed bit by bit from the Castagnoli polynomial here:
    /// an oracle that shared the product's routine would agree with its bugs.
    /// </summary>
    protected static string Crc32CBase64(byte[] data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, ~crc);
        return Convert.ToBase64String(bytes);
    }

    private static async Task<byte[]> ReadAllBytesAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static async Task<string> ReadAllTextAsync(Stream stream) => Encoding.UTF8.GetString(await ReadAllBytesAsync(stream));

    private static void AssertSameInfo(ObjectInfo expected, ObjectInfo? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Generation, actual.Generation);
        Assert.Equal(expected.Updated, actual.Updated);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.Metadata, actual.Metadata);
        Assert.Equal(expected.Md5, actual.Md5);
        Assert.Equal(expected.Crc32c, actual.Crc32c);
    }

    private static List<string> Describe(IEnumerable<ObjectListEntry> entries) =>
        [.. entries.Select(e => e.IsPrefix ? e.Prefix! : e.Object!.Key)];

    private async Task<Dictionary<string, long>> GenerationsAsync(string prefix) =>
        (await ListEntriesAsync(prefix)).ToDictionary(e => e.Object!.Key, e => e.Object!.Generation, StringComparer.Ordinal);

    /// <summary>A small tree with nesting, an empty file, unicode and sub-second past modification times.</summary>
    private static Dictionary<string, (byte[] Content, DateTime LastWriteTimeUtc)> WriteSampleTree(TempDirectory root)
    {
        var baseTime = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        var files = new Dictionary<string, (byte[] Content, DateTime LastWriteTimeUtc)>(StringComparer.Ordinal)
        {
            ["a.txt"] = (Encoding.UTF8.GetBytes("aaaa"), baseTime.AddTicks(1_234_567)),
            ["b.txt"] = (Encoding.UTF8.GetBytes("bbbbbbbb"), baseTime.AddDays(1).AddTicks(7)),
            ["empty.dat"] = ([], baseTime.AddDays(2)),
            ["nested/deeper/c.bin"] = (RandomBytes(300_000, seed: 1), baseTime.AddDays(3).AddTicks(9_999_999)),
            ["nested/ünï ç.txt"] = (Encoding.UTF8.GetBytes("unicode name"), baseTime.AddDays(4).AddTicks(5)),
        };
        foreach (var (rel, file) in files)
        {
            var path = root.Combine(rel.Split('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, file.Content);
            File.SetLastWriteTimeUtc(path, file.LastWriteTimeUtc);
        }

        return files;
    }

    private static void AssertTreeEquals(Dictionary<string, (byte[] Content, DateTime LastWriteTimeUtc)> tree, string directory)
    {
        var actual = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);
        Assert.Equal(tree.Keys.Order(StringComparer.Ordinal), actual);
        foreach (var (rel, file) in tree)
        {
            var path = Path.Combine([directory, .. rel.Split('/')]);
            Assert.Equal(file.Content, File.ReadAllBytes(path));
            Assert.Equal(file.LastWriteTimeUtc, File.GetLastWriteTimeUtc(path));
        }
    }

    /// <summary>Counts how many puts and gets are in flight at once.</summary>
    private sealed class ConcurrencyGauge(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        private int _inFlight;
        private int _max;

        public int MaxInFlight => Volatile.Read(ref _max);

        public void Reset() => Volatile.Write(ref _max, 0);

        public override async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            Enter();
            try
            {
                // Hold the slot a little so overlapping workers are observable at all.
                await Task.Yield();
                return await Inner.PutAsync(key, content, options, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public override async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            Enter();
            try
            {
                await Task.Yield();
                return await Inner.GetAsync(key, options, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private void Enter()
        {
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }
        }
    }

    /// <summary>Gets whose content stream breaks after a number of bytes, like a dropped connection.</summary>
    private sealed class FailingReadStorage(IObjectStorage inner, long failAfterBytes) : ObjectStorageDecorator(inner)
    {
        public override async Task<ObjectReadResult> GetAsync(string key, GetObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            var read = await Inner.GetAsync(key, options, cancellationToken);
            using var buffer = new MemoryStream();
            await read.Content.CopyToAsync(buffer, cancellationToken);
            await read.DisposeAsync();
            return new ObjectReadResult(read.Info, new NonSeekableStream(buffer.ToArray(), failAfter: failAfterBytes));
        }
    }
}
