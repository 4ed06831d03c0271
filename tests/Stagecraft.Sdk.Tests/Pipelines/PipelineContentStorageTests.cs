using System.Globalization;
using System.Text;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Sdk.Tests.Pipelines.Generated;
using Stagecraft.Sdk.Tests.Pipelines.Support;
using Stagecraft.Signals;
using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Pipelines;

/// <summary>
/// Stored values are references to content-addressed objects: every run used to copy its inputs and outputs under
/// its own prefix (a 60 MB CSV input grew the store by 60 MB per run, fully cached or not).
/// </summary>
public sealed class PipelineContentStorageTests : IDisposable
{
    private readonly RunnerFixture _fixture = new();
    private readonly CountingStorage _storage;

    public PipelineContentStorageTests() => _storage = new CountingStorage(_fixture.Storage);

    public void Dispose() => _fixture.Dispose();

    private PipelineRunner CreateRunner() => _fixture.CreateRunner(o => o with { Storage = _storage });

    [Fact]
    public async Task A_fully_cached_run_with_a_large_csv_input_stores_no_new_content_only_its_record()
    {
        var runner = CreateRunner();
        var csv = WriteExams(_fixture.Temp.Combine("a", "exams.csv"), rows: 100_000);
        var csvBytes = new FileInfo(csv).Length;

        var first = await ExamScores.RunAsync(runner, new CsvSignal(csv));
        Assert.True(first.Succeeded, string.Join("; ", first.Stages.Values.Select(s => s.Reason)));
        Assert.All(first.Stages.Values, s => Assert.Equal(StageStatus.Succeeded, s.Status));
        Assert.Contains(_storage.Writes, w => w.Key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal) && w.Size == csvBytes);
        var contentAfterFirst = await ListAsync(PipelinePaths.ContentPrefix);

        // The same bytes at another path: the input is identified by its content, not by where it lies.
        var copy = _fixture.Temp.Combine("b", "exams.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(csv, copy);
        _storage.Reset();
        var second = await ExamScores.RunAsync(runner, new CsvSignal(copy));

        Assert.All(second.Stages.Values, s => Assert.Equal(StageStatus.Cached, s.Status));
        var record = PipelinePaths.PipelineRecord(second.RunId);
        Assert.All(_storage.Writes, w => Assert.Equal(record, w.Key));
        Assert.True(_storage.Writes.Sum(w => w.Size) < 64 * 1024, $"a cached run wrote {_storage.Writes.Sum(w => w.Size)} bytes");
        Assert.Equal(contentAfterFirst, await ListAsync(PipelinePaths.ContentPrefix));
        await foreach (var entry in _storage.ListAsync(new RunPaths(second.RunId).Root))
        {
            Assert.Equal(record, entry.Object!.Key);
        }

        // Both records reference the one stored copy of the input.
        var input1 = Assert.Single((await runner.GetRunRecordAsync(first.RunId)).Inputs).Value.Objects.Single();
        var input2 = Assert.Single((await runner.GetRunRecordAsync(second.RunId)).Inputs).Value.Objects.Single();
        Assert.Equal(input1, input2);
        Assert.Equal(PipelinePaths.Content(input1.Sha256), input1.Key);
        Assert.Equal(ExamScores.Outputs.Report(first), ExamScores.Outputs.Report(second));
    }

    [Fact]
    public async Task Outputs_with_identical_bytes_are_stored_once_across_stages_and_runs()
    {
        var runner = CreateRunner();
        var csv = WriteExams(_fixture.Temp.Combine("exams.csv"), rows: 10);

        var first = await ExamScores.RunAsync(runner, new CsvSignal(csv));
        await runner.InvalidateCacheAsync(ExamScores.Graph, "Export");
        _storage.Reset();
        var second = await ExamScores.RunAsync(runner, new CsvSignal(csv));

        // Export ran again and produced the same bytes: referenced, not stored again.
        Assert.Equal(StageStatus.Succeeded, second.Stages["Export"].Status);
        Assert.DoesNotContain(_storage.Writes, w => w.Key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal));
        var export1 = (await runner.GetRunRecordAsync(first.RunId)).GetStage("Export")!.Output!.Objects.Single();
        var export2 = (await runner.GetRunRecordAsync(second.RunId)).GetStage("Export")!.Output!.Objects.Single();
        Assert.Equal(export1, export2);
    }

    [Fact]
    public async Task A_cache_entry_whose_content_is_gone_is_not_trusted_and_the_stage_runs_again()
    {
        var runner = CreateRunner();
        var csv = WriteExams(_fixture.Temp.Combine("exams.csv"), rows: 10);
        var first = await ExamScores.RunAsync(runner, new CsvSignal(csv));
        var load = (await runner.GetRunRecordAsync(first.RunId)).GetStage("Load")!.Output!.Objects.Single();
        Assert.True(await _storage.DeleteAsync(load.Key));

        var second = await ExamScores.RunAsync(runner, new CsvSignal(csv));

        Assert.Equal(StageStatus.Succeeded, second.Stages["Load"].Status);
        Assert.Equal(StageStatus.Cached, second.Stages["Export"].Status);
        Assert.Equal(StageStatus.Cached, second.Stages["Report"].Status);
        var restored = (await runner.GetRunRecordAsync(second.RunId)).GetStage("Load")!.Output!.Objects.Single();
        Assert.Equal(load.Key, restored.Key);
        Assert.Equal(restored.Generation, (await _storage.StatAsync(restored.Key))!.Generation);
    }

    [Fact]
    public async Task A_file_that_changes_while_it_is_stored_is_not_stored_under_the_digest_of_its_old_bytes()
    {
        var path = _fixture.Temp.Combine("changing.bin");
        await File.WriteAllBytesAsync(path, Encoding.UTF8.GetBytes("old bytes, hashed first"));
        var storage = new InterceptingStorage(TestStorage.Create(_fixture.Temp.Combine("store2")), key =>
        {
            if (key.StartsWith(PipelinePaths.ContentPrefix, StringComparison.Ordinal))
            {
                File.WriteAllBytes(path, Encoding.UTF8.GetBytes("new bytes, written between hash and upload"));
            }
        });
        var values = new StageValueStore(storage, System.Text.Json.JsonSerializerOptions.Default);

        var error = await Assert.ThrowsAsync<ContentIntegrityException>(() => values.StoreAsync(new FileSignal(path), typeof(FileSignal), CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        await foreach (var entry in storage.ListAsync(PipelinePaths.ContentPrefix))
        {
            Assert.Fail($"bytes were stored under a digest they do not have: {entry.Object?.Key}");
        }
    }

    [Fact]
    public void Content_keys_are_built_only_from_sha256_digests()
    {
        var digest = new string('a', 64);
        Assert.Equal("content/sha256/" + digest, PipelinePaths.Content(digest));
        Assert.Equal(digest, PipelinePaths.ContentDigest(PipelinePaths.Content(digest)));
        Assert.Null(PipelinePaths.ContentDigest("content/sha256/zz"));
        Assert.Contains("64 lower-case hex digits", Assert.Throws<ArgumentException>(() => PipelinePaths.Content("ABC")).Message, StringComparison.Ordinal);
    }

    private static string WriteExams(string path, int rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder("id,score\n");
        for (var i = 0; i < rows; i++)
        {
            text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append((i % 97 * 1.25).ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
        return path;
    }

    private async Task<List<string>> ListAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var entry in _storage.ListAsync(prefix))
        {
            keys.Add(entry.Object!.Key);
        }

        return keys;
    }
}
