using System.Security.Cryptography;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;
using Stagecraft.Testing;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Tests.Runs.Logs;

public sealed class RunLogShipperTests : IDisposable
{
    private readonly TempDirectory _temp = new("log-shipper");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_100_MB_log_shipped_while_it_grows_costs_its_size_once_not_its_size_per_tick()
    {
        var storage = new CountingStorage(new LocalObjectStorage(_temp.Combine("store")));
        var paths = new RunPaths("big-log");
        var file = _temp.Combine("stdout.log");
        var shipper = new RunLogShipper(storage, paths, LogStream.Stdout, file);
        using var written = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(7);
        long total = 0;
        await using (var log = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
        {
            // 100 ticks of 1 MiB each (the size of a tick varies a little), shipping after every one, as the monitor does.
            for (var tick = 0; tick < 100; tick++)
            {
                var piece = new byte[(1024 * 1024) + random.Next(-4096, 4096)];
                random.NextBytes(piece);
                await log.WriteAsync(piece);
                await log.FlushAsync();
                written.AppendData(piece);
                total += piece.Length;
                await shipper.ShipAsync();
            }
        }

        Assert.True(total >= 100L * 1000 * 1000);
        Assert.Equal(total, storage.BytesPut);
        Assert.Equal(total, shipper.StoredBytes);
        Assert.Equal(0, await shipper.ShipAsync());

        using var read = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long readBytes = 0;
        await foreach (var chunk in new RunLogReader(storage).ReadChunksAsync(paths, LogStream.Stdout))
        {
            read.AppendData(chunk.Span);
            readBytes += chunk.Length;
        }

        Assert.Equal(total, readBytes);
        Assert.Equal(written.GetHashAndReset(), read.GetHashAndReset());
    }

    [Fact]
    public async Task A_burst_larger_than_a_chunk_becomes_several_chunks_in_order()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var paths = new RunPaths("burst");
        var file = _temp.WriteFile("stderr.log", string.Concat(Enumerable.Range(0, 1000).Select(i => $"line {i}\n")));
        var shipper = new RunLogShipper(storage, paths, LogStream.Stderr, file, maxChunkBytes: 1000);

        var shipped = await shipper.ShipAsync();

        Assert.Equal(new FileInfo(file).Length, shipped);
        Assert.NotNull(await storage.StatAsync(paths.LogChunk(LogStream.Stderr, 5)));
        var lines = await ReadLinesAsync(storage, paths, LogStream.Stderr);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"line {i}"), lines);
    }

    [Fact]
    public async Task Shippers_racing_over_one_file_store_each_byte_once_in_order()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var paths = new RunPaths("race");
        var file = _temp.Combine("stdout.log");
        var expected = new StringBuilder();
        var first = new RunLogShipper(storage, paths, LogStream.Stdout, file, maxChunkBytes: 64);
        var second = new RunLogShipper(storage, paths, LogStream.Stdout, file, maxChunkBytes: 100);
        for (var round = 0; round < 20; round++)
        {
            var text = string.Concat(Enumerable.Range(0, 10).Select(i => $"round {round} line {i}\n"));
            await File.AppendAllTextAsync(file, text);
            expected.Append(text);
            await Task.WhenAll(first.ShipAsync(), second.ShipAsync());
        }

        await first.ShipAsync();
        await second.ShipAsync();

        Assert.Equal(expected.ToString().Split('\n')[..^1], await ReadLinesAsync(storage, paths, LogStream.Stdout));
    }

    [Fact]
    public async Task A_new_shipper_continues_after_the_chunks_an_earlier_one_stored()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var paths = new RunPaths("adopted");
        var file = _temp.WriteFile("stdout.log", "one\ntwo\n");
        await new RunLogShipper(storage, paths, LogStream.Stdout, file).ShipAsync();

        await File.AppendAllTextAsync(file, "three\n");
        var after = new RunLogShipper(storage, paths, LogStream.Stdout, file);

        Assert.Equal("three\n".Length, await after.ShipAsync());
        Assert.Equal(["one", "two", "three"], await ReadLinesAsync(storage, paths, LogStream.Stdout));
    }

    [Fact]
    public async Task A_following_reader_sees_lines_as_they_are_shipped_and_ends_after_the_exit_code()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var paths = new RunPaths("followed");
        var file = _temp.WriteFile("stdout.log", "first\npart");
        var shipper = new RunLogShipper(storage, paths, LogStream.Stdout, file);
        await shipper.ShipAsync();
        var reader = new RunLogReader(storage, new RunLogReaderOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        var seen = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await foreach (var line in reader.ReadLinesAsync(paths, LogStream.Stdout, follow: true, cancellationToken: timeout.Token))
        {
            seen.Add(line);
            if (line == "first")
            {
                // The second line's start is already stored; its end and the exit code come after the reader has waited.
                await File.AppendAllTextAsync(file, "ial\nlast without newline");
                await shipper.ShipAsync();
                await RunExitPublisher.PublishAsync(storage, paths, new RunExitRecord(0));
            }
        }

        Assert.Equal(["first", "partial", "last without newline"], seen);
    }

    [Fact]
    public async Task The_first_exit_code_published_wins_and_a_foreign_object_is_refused_by_name()
    {
        var storage = new LocalObjectStorage(_temp.Combine("store"));
        var paths = new RunPaths("exit");

        Assert.Null(await RunExitPublisher.ReadAsync(storage, paths));
        Assert.Equal(new RunExitRecord(3), await RunExitPublisher.PublishAsync(storage, paths, new RunExitRecord(3)));
        Assert.Equal(new RunExitRecord(3), await RunExitPublisher.PublishAsync(storage, paths, new RunExitRecord(143, RunExitReason.Terminated)));

        var other = new RunPaths("foreign");
        await storage.PutAsync(other.ExitCode, new MemoryStream("not a record"u8.ToArray()));
        var ex = await Assert.ThrowsAsync<RunBackendException>(() => RunExitPublisher.ReadAsync(storage, other));
        Assert.Contains(other.ExitCode, ex.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> ReadLinesAsync(IObjectStorage storage, RunPaths paths, LogStream stream)
    {
        var lines = new List<string>();
        await foreach (var line in new RunLogReader(storage).ReadLinesAsync(paths, stream))
        {
            lines.Add(line);
        }

        return lines;
    }

    private sealed class CountingStorage(IObjectStorage inner) : ObjectStorageDecorator(inner)
    {
        private long _bytesPut;

        public long BytesPut => Interlocked.Read(ref _bytesPut);

        public override async Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
        {
            var info = await Inner.PutAsync(key, content, options, cancellationToken);
            Interlocked.Add(ref _bytesPut, info.Size);
            return info;
        }
    }
}
