using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Stagecraft.Artifacts;
using Stagecraft.InFlight;
using Stagecraft.Local.Runs;
using Stagecraft.Pipelines;
using Stagecraft.References;
using Stagecraft.Registry;
using Stagecraft.Runs;
using Stagecraft.Runs.Logs;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Tests;

/// <summary>
/// Every command of the real tool, run as a process against a real store: the same tests for a local directory
/// (<see cref="LocalStoreCliTests"/>) and a prefix of a bucket on the fake Cloud Storage (<see cref="GcsStoreCliTests"/>).
/// </summary>
public abstract class CliCommandTests
{
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    protected abstract Task<CliStore> OpenAsync();

    [Fact]
    public async Task Runs_list_shows_each_run_with_its_counts_and_filters_by_pipeline_status_and_time()
    {
        await using var store = await OpenAsync();
        var first = await Toy.RunAsync(store.Runner(), new ToySettings(3));
        var second = await Toy.RunAsync(store.Runner(), new ToySettings(3));
        var failed = await Toy.RunAsync(store.Runner(), new ToySettings(4, Fail: true));

        var table = await store.RunAsync("runs", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("RUN", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(first.RunId, table.Stdout, StringComparison.Ordinal);
        Assert.Contains(failed.RunId, table.Stdout, StringComparison.Ordinal);

        var json = (await store.RunAsync("runs", "list", "--json")).Json();
        Assert.Equal(3, json.GetArrayLength());
        var byId = json.EnumerateArray().ToDictionary(r => r.GetProperty("runId").GetString()!);
        Assert.Equal(2, byId[first.RunId].GetProperty("stagesRan").GetInt32());
        Assert.Equal(2, byId[second.RunId].GetProperty("stagesCached").GetInt32());
        Assert.Equal("Failed", byId[failed.RunId].GetProperty("status").GetString());
        Assert.Equal(1, byId[failed.RunId].GetProperty("stagesFailed").GetInt32());

        var onlyFailed = (await store.RunAsync("runs", "list", "--status", "failed", "--json")).Json();
        Assert.Equal([failed.RunId], onlyFailed.EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal(0, (await store.RunAsync("runs", "list", "--pipeline", "Other", "--json")).Json().GetArrayLength());
        Assert.Equal(3, (await store.RunAsync("runs", "list", "--pipeline", "Toy", "--since", "1h", "--json")).Json().GetArrayLength());
        Assert.Equal(0, (await store.RunAsync("runs", "list", "--since", "2999-01-01T00:00Z", "--json")).Json().GetArrayLength());

        await AssertUsageAsync(store.RunAsync("runs", "list", "--status", "sleeping"), "--status 'sleeping'");
        await AssertUsageAsync(store.RunAsync("runs", "list", "--since", "yesterday"), "--since 'yesterday'");
    }

    [Fact]
    public async Task Runs_show_prints_the_record_as_a_tree_with_the_workers_error()
    {
        await using var store = await OpenAsync();
        var failed = await Toy.RunAsync(store.Runner(), new ToySettings(2, Fail: true));

        var tree = await store.RunAsync("runs", "show", failed.RunId);
        Assert.True(tree.ExitCode == 0, tree.ToString());
        Assert.Contains($"run {failed.RunId}: pipeline Toy, Failed, attempt 1", tree.Stdout, StringComparison.Ordinal);
        Assert.Contains("Generate: Succeeded", tree.Stdout, StringComparison.Ordinal);
        Assert.Contains("Sum: Failed", tree.Stdout, StringComparison.Ordinal);
        Assert.Contains("fingerprint ", tree.Stdout, StringComparison.Ordinal);
        Assert.Contains("the toy was told to fail", tree.Stdout, StringComparison.Ordinal);
        Assert.Contains("at Stagecraft.Cli.Tests.Toy.Sum", tree.Stdout, StringComparison.Ordinal);

        var json = (await store.RunAsync("runs", "show", failed.RunId, "--json")).Json();
        Assert.Equal("Failed", json.GetProperty("status").GetString());
        Assert.Equal(2, json.GetProperty("stages").GetArrayLength());

        await AssertExitAsync(store.RunAsync("runs", "show", "no-such-run"), CliExitCodes.NotFound, "'no-such-run' has no pipeline record");
        await AssertUsageAsync(store.RunAsync("runs", "show", "Not_A_Run"), "invalid run id 'Not_A_Run'");
    }

    [Fact]
    public async Task Runs_logs_prints_a_backend_stages_stdout_and_stderr_and_follows_it_until_it_ends()
    {
        await using var store = await OpenAsync();
        var result = await Toy.RunAsync(store.Runner(), new ToySettings(2));
        await using var backend = new LocalRunBackend(store.Storage, new LocalRunBackendOptions { StateDirectory = store.Dir.Combine("runs-state") });
        var done = await backend.LaunchAsync(new RunSpec("sum-done", "/bin/sh", ["-c", "echo out-line; echo err-line >&2"]));
        await backend.WaitForCompletionAsync(done);
        await AttachBackendRunAsync(store, result.RunId, "Sum", "sum-done");

        var logs = await store.RunAsync("runs", "logs", result.RunId, "--stage", "Sum");
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Equal("out-line\n", logs.Stdout);
        Assert.Equal("err-line\n", logs.Stderr);

        // A worker's control lines: progress and structured log entries read as such, unknown kinds left out, never the raw protocol.
        var control = string.Join("; ", new[] { "plain", RunLogControlLine.Progress(0.425), RunLogControlLine.Log("Warning", "disk nearly full"), RunLogControlLine.Format("future-kind", "x"), "after" }
            .Select(line => $"printf '%s\\n' '{line}'"));
        var withControl = await backend.LaunchAsync(new RunSpec("sum-control", "/bin/sh", ["-c", control]));
        await backend.WaitForCompletionAsync(withControl);
        await AttachBackendRunAsync(store, result.RunId, "Sum", "sum-control");
        var shown = await store.RunAsync("runs", "logs", result.RunId, "--stage", "Sum");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Equal("plain\n[progress 42.5%]\n[Warning] disk nearly full\nafter\n", shown.Stdout);
        Assert.DoesNotContain(RunLogControlLine.Marker, shown.Stdout);
        var shownJson = (await store.RunAsync("runs", "logs", result.RunId, "--stage", "Sum", "--json")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, shownJson.Length);
        Assert.Equal(0.425, System.Text.Json.JsonDocument.Parse(shownJson[1]).RootElement.GetProperty("progress").GetDouble());
        Assert.Equal("Warning", System.Text.Json.JsonDocument.Parse(shownJson[2]).RootElement.GetProperty("level").GetString());

        var slow = await backend.LaunchAsync(new RunSpec("sum-slow", "/bin/sh", ["-c", "echo first; sleep 3; echo second"]));
        await AttachBackendRunAsync(store, result.RunId, "Sum", "sum-slow");
        var followed = await store.RunAsync("runs", "logs", result.RunId, "--stage", "Sum", "-f");
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Equal("first\nsecond\n", followed.Stdout);
        Assert.NotNull(await store.Storage.StatAsync(new RunPaths(slow.RunId).ExitCode));

        await AssertExitAsync(store.RunAsync("runs", "logs", result.RunId, "--stage", "Generate"), CliExitCodes.NotFound, "stage 'Generate' of run");
        await AssertExitAsync(store.RunAsync("runs", "logs", result.RunId, "--stage", "Nope"), CliExitCodes.NotFound, "has no stage 'Nope'");
        await AssertUsageAsync(store.RunAsync("runs", "logs", "Bad_Run"), "invalid run id");
    }

    [Fact]
    public async Task Runs_show_names_the_backend_run_of_a_stage_while_it_runs()
    {
        await using var store = await OpenAsync();
        await using var backend = new LocalRunBackend(store.Storage, new LocalRunBackendOptions { StateDirectory = store.Dir.Combine("runs-state") });

        // Every stage goes to the backend, whose "worker" only sleeps: the first stage stays running until cancelled.
        var runner = new PipelineRunner(new PipelineRunnerOptions
        {
            Storage = store.Storage,
            WorkDirectory = store.Dir.Combine("work"),
            RecordFlushInterval = TimeSpan.FromMilliseconds(50),
            Backend = backend,
            WorkerCommand = new PipelineWorkerCommand("/bin/sh", ["-c", "sleep 600"]),
            HandleTerminationSignals = false,
        });
        const string RunId = "toy-on-a-backend";
        using var cancel = new CancellationTokenSource();
        var running = runner.RunAsync(Toy.Graph, new Dictionary<string, object?> { ["settings"] = new ToySettings(2) }, new PipelineRunOptions { RunId = RunId }, cancel.Token);

        StageRunRecord? generate = null;
        for (var i = 0; i < 600 && generate?.BackendRunId is null; i++)
        {
            await Task.Delay(50);
            generate = (await new PipelineRunCatalog(store.Storage).TryGetAsync(RunId))?.GetStage("Generate");
        }

        Assert.NotNull(generate?.BackendRunId);
        Assert.Null(Assert.Single(generate.Attempts).FinishedAt);
        var show = await store.RunAsync("runs", "show", RunId);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains($"reason: running: attempt 1 on {generate.Backend}", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"backend run {generate.BackendRunId}, exit code -", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"try 1 on {generate.Backend}", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"backend run {generate.BackendRunId}, running", show.Stdout, StringComparison.Ordinal);

        await cancel.CancelAsync();
        await Assert.ThrowsAsync<PipelineRunCancelledException>(() => running.WaitAsync(TimeSpan.FromMinutes(1)));
        var cancelled = (await new PipelineRunCatalog(store.Storage).TryGetAsync(RunId))!.GetStage("Generate")!;
        Assert.Equal(StageStatus.Cancelled, cancelled.Status);
        Assert.Equal(generate.BackendRunId, Assert.Single(cancelled.Attempts).BackendRunId);
    }

    [Fact]
    public async Task Runs_cancel_stops_a_pipeline_running_in_another_process_and_refuses_finished_runs()
    {
        await using var store = await OpenAsync();
        var running = Toy.RunAsync(store.Runner(), new ToySettings(2, Wait: true));
        var runId = await WaitForRunningAsync(store);

        var cancel = await store.RunAsync("runs", "cancel", runId, "--reason", "test stops it");
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running).WaitAsync(TimeSpan.FromMinutes(1));
        var record = await new PipelineRunCatalog(store.Storage).TryGetAsync(runId);
        Assert.Equal(PipelineRunStatus.Cancelled, record!.Status);
        Assert.Equal("test stops it", (await PipelineRunCancellation.TryGetAsync(store.Storage, runId, 1))!.Reason);

        await AssertExitAsync(store.RunAsync("runs", "cancel", runId), CliExitCodes.Conflict, "is Cancelled, not Running");
        await AssertExitAsync(store.RunAsync("runs", "cancel", "no-such-run"), CliExitCodes.NotFound, "no pipeline record");
        await AssertUsageAsync(store.RunAsync("runs", "cancel", "UPPER"), "invalid run id 'UPPER'");
    }

    [Fact]
    public async Task Runs_resume_prints_the_command_for_an_unfinished_run_and_refuses_a_succeeded_one()
    {
        await using var store = await OpenAsync();
        var failed = await Toy.RunAsync(store.Runner(), new ToySettings(2, Fail: true));
        var succeeded = await Toy.RunAsync(store.Runner(), new ToySettings(2));

        var resume = await store.RunAsync("runs", "resume", failed.RunId);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"dotnet run -- resume {failed.RunId}", resume.Stdout, StringComparison.Ordinal);
        Assert.Contains($"runner.ResumeAsync(Toy.Graph, \"{failed.RunId}\")", resume.Stdout, StringComparison.Ordinal);
        await AssertExitAsync(store.RunAsync("runs", "resume", succeeded.RunId), CliExitCodes.Conflict, "Succeeded: there is nothing to resume");
        await AssertUsageAsync(store.RunAsync("runs", "resume", "-x"), "invalid run id");
    }

    [Fact]
    public async Task Cache_invalidate_removes_one_stages_entries_so_only_it_runs_again()
    {
        await using var store = await OpenAsync();
        await Toy.RunAsync(store.Runner(), new ToySettings(3));

        var invalidate = await store.RunAsync("cache", "invalidate", "Toy", "Sum");
        Assert.True(invalidate.ExitCode == 0, invalidate.ToString());
        Assert.Contains("removed 1 cache entry of Toy.Sum", invalidate.Stdout, StringComparison.Ordinal);
        var again = await Toy.RunAsync(store.Runner(), new ToySettings(3));
        Assert.Equal(StageStatus.Cached, again.Stages["Generate"].Status);
        Assert.Equal(StageStatus.Succeeded, again.Stages["Sum"].Status);

        Assert.Equal(1, (await store.RunAsync("cache", "invalidate", "Toy", "Sum", "--json")).Json().GetProperty("removed").GetInt32());
        await AssertUsageAsync(store.RunAsync("cache", "invalidate", "Toy", "a/b"), "invalid stage 'a/b'");
        await AssertUsageAsync(store.RunAsync("cache", "invalidate", "..", "Sum"), "invalid pipeline '..'");
    }

    [Fact]
    public async Task Cache_prune_dry_run_reports_exactly_what_the_prune_then_removes_and_a_running_run_is_kept()
    {
        await using var store = await OpenAsync();

        // The oldest run is still running: beyond the newest one, but its owner (this process) is alive.
        var running = Toy.RunAsync(store.Runner(), new ToySettings(9, Wait: true));
        var runningId = await WaitForRunningAsync(store);
        try
        {
            var runs = new List<string>();
            foreach (var count in new[] { 2, 3, 4 })
            {
                runs.Add((await Toy.RunAsync(store.Runner(), new ToySettings(count))).RunId);
            }

            var dry = await store.RunAsync("cache", "prune", "--keep-latest", "1", "--grace", "0s", "--dry-run", "--json");
            Assert.True(dry.ExitCode == 0, dry.ToString());
            var plan = dry.Json();
            Assert.True(plan.GetProperty("dryRun").GetBoolean());
            Assert.Equal(4, (await store.RunAsync("runs", "list", "--json")).Json().GetArrayLength());

            var prune = await store.RunAsync("cache", "prune", "--keep-latest", "1", "--grace", "0s");
            Assert.True(prune.ExitCode == 0, prune.ToString());
            Assert.True(prune.Stderr.Contains("prune: reading run records", StringComparison.Ordinal), prune.ToString());
            Assert.True(prune.Stderr.Contains("prune: removing runs 2/2", StringComparison.Ordinal), prune.ToString());
            Assert.DoesNotContain("prune:", prune.Stdout, StringComparison.Ordinal);
            Assert.Contains($"removed run {runs[0]}", prune.Stdout, StringComparison.Ordinal);
            Assert.Contains("removed 2 runs, 4 cache entries and ", prune.Stdout, StringComparison.Ordinal);

            // The newest run and the running one stay, and the dry run named exactly what went.
            var left = (await store.RunAsync("runs", "list", "--json")).Json().EnumerateArray().Select(r => r.GetProperty("runId").GetString()).Order(StringComparer.Ordinal);
            Assert.Equal(new[] { runs[2], runningId }.Order(StringComparer.Ordinal), left);
            Assert.Equal(runs[..2].Order(StringComparer.Ordinal), plan.GetProperty("removedRuns").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(4, plan.GetProperty("removedCacheEntries").GetInt32());
            var removedObjects = int.Parse(prune.Stdout.Split("cache entries and ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(removedObjects > 0, prune.Stdout);
            Assert.Equal(removedObjects, plan.GetProperty("removedContentObjects").GetInt32());

            var again = (await store.RunAsync("cache", "prune", "--keep-latest", "1", "--grace", "0s", "--json")).Json();
            Assert.Equal(0, again.GetProperty("removedRuns").GetArrayLength());
            Assert.Equal(0, again.GetProperty("removedContentObjects").GetInt32());

            // A run recorded Running by an owner on another host that stopped renewing its lease is abandoned: removed
            // by the age rule like a finished run, and said so; the live running run is not.
            var record = (await new PipelineRunCatalog(store.Storage).TryGetAsync(runs[2]))!;
            var silent = new PipelineRunOwner { Id = "elsewhere:4242:0001", Host = "another-host", ProcessId = 4242, Heartbeat = DateTimeOffset.UtcNow.AddHours(-1) };
            await store.Storage.PutAsync(PipelinePaths.PipelineRecord(runs[2]), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record with { Status = PipelineRunStatus.Running, Owner = silent }, RecordJson)));
            var abandoned = await store.RunAsync("cache", "prune", "--older-than", "0s", "--grace", "0s");
            Assert.True(abandoned.ExitCode == 0, abandoned.ToString());
            Assert.Contains($"removed run {runs[2]} (abandoned: recorded Running, its owner is gone)", abandoned.Stdout, StringComparison.Ordinal);
            Assert.Contains("removed 1 run, ", abandoned.Stdout, StringComparison.Ordinal);
            Assert.Equal([runningId], (await store.RunAsync("runs", "list", "--json")).Json().EnumerateArray().Select(r => r.GetProperty("runId").GetString()));
        }
        finally
        {
            await PipelineRunCancellation.RequestAsync(store.Storage, runningId, "test ends");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running).WaitAsync(TimeSpan.FromMinutes(1));
        }

        // Another prune holding the store's lock is a conflict; bad rules are usage errors naming the value.
        var now = DateTimeOffset.UtcNow;
        await store.Storage.PutAsync(PipelinePaths.PruneLock, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new { owner = "other", host = "elsewhere", startedAt = now, renewedAt = now }, RecordJson)));
        await AssertExitAsync(store.RunAsync("cache", "prune", "--keep-latest", "1"), CliExitCodes.Conflict, "Another prune");
        await AssertUsageAsync(store.RunAsync("cache", "prune"), "pass --older-than, --keep-latest or both");
        await AssertUsageAsync(store.RunAsync("cache", "prune", "--keep-latest", "-1"), "invalid --keep-latest '-1'");
        await AssertUsageAsync(store.RunAsync("cache", "prune", "--older-than", "yesterday"), "invalid --older-than 'yesterday'");
        await AssertUsageAsync(store.RunAsync("cache", "prune", "--older-than", "7d", "--grace", "soon"), "invalid --grace 'soon'");
        await AssertUsageAsync(store.RunAsync("cache", "prune", "--older-than", "7d", "--pipeline", "a/b"), "invalid --pipeline 'a/b'");
    }

    [Fact]
    public async Task Aliases_and_models_move_by_compare_and_swap_and_keep_their_history()
    {
        await using var store = await OpenAsync();
        var registry = new ModelRegistry(store.Storage);
        foreach (var run in new[] { "model-a", "model-b" })
        {
            await registry.RegisterAsync(new ModelRegistration
            {
                RunId = run,
                Stage = "Train",
                ArtifactUri = ArtifactUri.ForGcs("cli-bucket", run, "model.bin"),
                ArtifactSha256 = new string('a', 64),
                ArtifactSize = 42,
                Metrics = new Dictionary<string, double> { ["accuracy"] = 0.9 },
            });
        }

        var set = await store.RunAsync("aliases", "set", "champion", "model-a", "--expect-generation", "0", "--reason", "first");
        Assert.True(set.ExitCode == 0, set.ToString());
        var listed = (await store.RunAsync("aliases", "list", "--json")).Json().EnumerateArray().Single();
        Assert.Equal("model-a", listed.GetProperty("runId").GetString());
        var generation = listed.GetProperty("generation").GetInt64();

        await AssertExitAsync(store.RunAsync("aliases", "set", "champion", "model-b", "--expect-generation", "0", "--reason", "stale"), CliExitCodes.Conflict, "champion");
        Assert.Equal("model-a", (await registry.ResolveAsync("champion")).RunId);
        var moved = await store.RunAsync("aliases", "set", "champion", "model-b", "--expect-generation", generation.ToString(System.Globalization.CultureInfo.InvariantCulture), "--reason", "better");
        Assert.True(moved.ExitCode == 0, moved.ToString());

        var history = await store.RunAsync("aliases", "history", "champion");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains("first", history.Stdout, StringComparison.Ordinal);
        Assert.Contains("better", history.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await store.RunAsync("aliases", "history", "champion", "--json")).Json().GetArrayLength());

        var model = await store.RunAsync("models", "show", "model-b");
        Assert.True(model.ExitCode == 0, model.ToString());
        Assert.Contains("gs://cli-bucket/runs/model-b/outputs/model.bin", model.Stdout, StringComparison.Ordinal);
        Assert.Contains("accuracy = 0.9", model.Stdout, StringComparison.Ordinal);

        await AssertExitAsync(store.RunAsync("aliases", "set", "champion", "never-registered", "--expect-generation", "0", "--reason", "x"), CliExitCodes.NotFound, "never-registered");
        await AssertExitAsync(store.RunAsync("aliases", "history", "nobody"), CliExitCodes.NotFound, "alias 'nobody' has never been set");
        await AssertExitAsync(store.RunAsync("models", "show", "never-registered"), CliExitCodes.NotFound, "has no registered model");
        await AssertUsageAsync(store.RunAsync("aliases", "set", "Bad Alias", "model-a", "--expect-generation", "0", "--reason", "x"), "invalid alias 'Bad Alias'");
        await AssertUsageAsync(store.RunAsync("aliases", "set", "champion", "model-a", "--expect-generation", "-1", "--reason", "x"), "--expect-generation '-1'");
        await AssertUsageAsync(store.RunAsync("aliases", "set", "champion", "model-a", "--reason", "x"), "--expect-generation");
        await AssertUsageAsync(store.RunAsync("aliases", "list", "--registry-root", "runs/"), "--registry-root 'runs/'");
        await AssertUsageAsync(store.RunAsync("models", "show", "Bad_Run"), "invalid run id");
    }

    [Fact]
    public async Task Refs_merge_reads_the_store_and_refs_show_lists_the_merged_keys()
    {
        await using var store = await OpenAsync();
        var worker = new ReferenceStore(store.Dir.Combine("worker"));
        await worker.EnsureAsync("households", "fp-1", async (dir, ct) => await File.WriteAllTextAsync(Path.Combine(dir.FullName, "schema.txt"), "encoded", ct));
        var seed = await ReferenceSeedSnapshot.ReadAsync(store.Storage, new ReferencePaths("refs-run").ReferenceSeed("schema"));
        var upload = await new ReferenceUploader(store.Storage, store.Dir.Combine("worker"), "refs-run", "schema", seed).UploadChangedAsync();
        Assert.Single(upload.Uploaded);
        var laptop = store.Dir.Combine("laptop");

        var merge = await store.RunAsync("refs", "merge", "--run", "refs-run", "--kind", "schema", "--root", laptop);
        Assert.True(merge.ExitCode == 0, merge.ToString());
        Assert.Contains("merged households: ", merge.Stdout, StringComparison.Ordinal);
        Assert.Equal("encoded", await File.ReadAllTextAsync(Path.Combine(laptop, "households", "schema.txt")));

        var show = await CliProcess.RunAsync(["refs", "show", laptop]);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("households", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("fp-1", show.Stdout, StringComparison.Ordinal);
        Assert.Equal("fp-1", (await CliProcess.RunAsync(["refs", "show", laptop, "--json"])).Json()[0].GetProperty("fingerprint").GetString());

        await AssertExitAsync(store.RunAsync("refs", "merge", "--run", "other-run", "--kind", "schema", "--root", laptop), CliExitCodes.NotFound, "nothing could be read");
        await AssertExitAsync(CliProcess.RunAsync(["refs", "show", store.Dir.Combine("no-root")]), CliExitCodes.NotFound, "does not exist");
        await AssertUsageAsync(store.RunAsync("refs", "merge", "--run", "refs-run", "--kind", "a/b", "--root", laptop), "invalid --kind 'a/b'");
        await AssertUsageAsync(store.RunAsync("refs", "merge", "--run", "Bad_Id", "--kind", "schema", "--root", laptop), "invalid run id 'Bad_Id'");
        await AssertUsageAsync(store.RunAsync("refs", "merge", "--kind", "schema", "--root", laptop), "--run");
    }

    [Fact]
    public async Task Objects_cat_ls_and_stat_show_content_exactly_as_written()
    {
        await using var store = await OpenAsync();
        var json = """{"step":1,"note":"héllo"}"""u8.ToArray();
        var written = await store.Storage.PutAsync("experiments/e1/state.json", new MemoryStream(json), new PutObjectOptions { ContentType = "application/json", Metadata = new Dictionary<string, string> { ["owner"] = "cli" } });
        await store.Storage.PutAsync("experiments/e1/deep/other.bin", new MemoryStream([0xff, 0xfe, 0x00]));

        var cat = await store.RunAsync("objects", "cat", "experiments/e1/state.json");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal(Encoding.UTF8.GetString(json), cat.Stdout);
        Assert.Equal(1, JsonDocument.Parse(cat.Stdout).RootElement.GetProperty("step").GetInt32());
        Assert.Equal("//4A", (await store.RunAsync("objects", "cat", "experiments/e1/deep/other.bin", "--json")).Json().GetProperty("base64").GetString());

        var ls = await store.RunAsync("objects", "ls", "experiments/e1/");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Contains("experiments/e1/state.json", ls.Stdout, StringComparison.Ordinal);
        Assert.Contains("experiments/e1/deep/", ls.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("other.bin", ls.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, (await store.RunAsync("objects", "ls", "experiments/", "-r", "--json")).Json().GetArrayLength());

        var stat = (await store.RunAsync("objects", "stat", "experiments/e1/state.json", "--json")).Json();
        Assert.Equal(written.Generation, stat.GetProperty("generation").GetInt64());
        Assert.Equal(json.Length, stat.GetProperty("size").GetInt64());
        Assert.Equal("cli", stat.GetProperty("metadata").GetProperty("owner").GetString());

        await AssertExitAsync(store.RunAsync("objects", "cat", "experiments/missing.json"), CliExitCodes.NotFound, "experiments/missing.json");
        await AssertExitAsync(store.RunAsync("objects", "stat", "experiments/missing.json"), CliExitCodes.NotFound, "'experiments/missing.json' does not exist");
        await AssertUsageAsync(store.RunAsync("objects", "cat", "../escape"), "invalid object key '../escape'");
        await AssertUsageAsync(store.RunAsync("objects", "stat", "a//b"), "invalid object key 'a//b'");
        await AssertUsageAsync(store.RunAsync("objects", "ls", "/abs"), "invalid prefix '/abs'");
    }

    [Fact]
    public async Task A_corrupt_record_is_a_failure_with_its_exception_type_never_a_usage_error()
    {
        await using var store = await OpenAsync();
        await store.Storage.PutAsync(PipelinePaths.PipelineRecord("broken-run"), new MemoryStream("{ not json"u8.ToArray()));

        var show = await store.RunAsync("runs", "show", "broken-run");

        Assert.Equal(CliExitCodes.Failure, show.ExitCode);
        Assert.Contains("System.Text.Json.JsonException", show.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Points a stage of a recorded run at a backend run, as the runner does for stages run on a backend.</summary>
    private static async Task AttachBackendRunAsync(CliStore store, string runId, string stage, string backendRunId)
    {
        var record = (await new PipelineRunCatalog(store.Storage).TryGetAsync(runId))!;
        var updated = record with { Stages = [.. record.Stages.Select(s => s.Stage == stage ? s with { BackendRunId = backendRunId, Backend = "local" } : s)] };
        await store.Storage.PutAsync(PipelinePaths.PipelineRecord(runId), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(updated, RecordJson)));
    }

    private static async Task<string> WaitForRunningAsync(CliStore store)
    {
        for (var i = 0; i < 600; i++)
        {
            await foreach (var record in new PipelineRunCatalog(store.Storage).ListAsync(new PipelineRunQuery { Status = PipelineRunStatus.Running }))
            {
                return record.RunId;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no run was recorded as Running within a minute");
    }

    private static async Task AssertUsageAsync(Task<CliResult> run, string expected) => await AssertExitAsync(run, CliExitCodes.UsageError, expected);

    private static async Task AssertExitAsync(Task<CliResult> run, int exitCode, string expected)
    {
        var result = await run;
        Assert.True(result.ExitCode == exitCode, $"expected exit {exitCode}: {result}");
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }
}

public sealed class LocalStoreCliTests : CliCommandTests
{
    protected override Task<CliStore> OpenAsync() => CliStore.LocalAsync();
}

public sealed class GcsStoreCliTests : CliCommandTests
{
    protected override Task<CliStore> OpenAsync() => CliStore.GcsAsync();
}
