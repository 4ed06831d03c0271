using System.Security.Cryptography;
using System.Text;
using Stagecraft.Local.Storage;
using Stagecraft.References;
using Stagecraft.Runs;
using Stagecraft.Storage.Transfers;

namespace ReferenceRoundTrip;

/// <summary>
/// A laptop builds one expensive reference, a cloud worker builds the two it lacks and ships them back, and the laptop
/// merges them into its warm cache after the run. Object storage is a <see cref="LocalObjectStorage"/> directory standing in
/// for a Cloud Storage bucket; the "worker" is this process with its own reference root (a VM's disk).
/// </summary>
public static class RoundTrip
{
    private const string Kind = "schema";

    private sealed record WorkItem(string Database, string Id);

    public static async Task<MergeReport> RunAsync(string workspace, TextWriter log)
    {
        var storage = new LocalObjectStorage(Path.Combine(workspace, "storage"));
        var laptopRoot = Path.Combine(workspace, "laptop-refs");
        var workerRoot = Path.Combine(workspace, "worker-refs");
        var run = new ReferencePaths("demo-run");

        // 1. Laptop: build locally. Reused on every later run while the fingerprint matches.
        var laptop = new ReferenceStore(laptopRoot);
        await laptop.EnsureAsync("households", Fingerprint("households"), (dir, ct) => EncodeAsync("households", dir, ct));
        log.WriteLine("laptop: built households");

        // 2. Submit: the laptop's references become the run's optional seed.
        await storage.UploadDirectoryAsync(Path.Combine(laptopRoot, "households"), run.ReferenceSeed(Kind) + "households/");

        // 3. Worker: install the seed, run tasks in (database, id) order, upload back what it built after each task.
        await new ReferenceSeeding(storage).MergeOptionalSeedAsync(run.ReferenceSeed(Kind), workerRoot);
        var worker = new ReferenceStore(workerRoot);
        var seed = await ReferenceSeedSnapshot.ReadAsync(storage, run.ReferenceSeed(Kind)); // from storage, not the worker's disk
        var uploader = new ReferenceUploader(storage, workerRoot, run.RunId, Kind, seed);
        WorkItem[] tasks = [new("retail", "r_2"), new("households", "h_1"), new("alien", "a_1"), new("retail", "r_1")];
        foreach (var task in ReferenceDispatch.OrderByKeyThenId(tasks, t => t.Database, t => t.Id))
        {
            var reference = await worker.EnsureAsync(task.Database, Fingerprint(task.Database), (dir, ct) => EncodeAsync(task.Database, dir, ct));
            log.WriteLine($"worker: task {task.Id} uses {reference.FullName}");
            var upload = await uploader.UploadChangedAsync(); // never throws into the task; failures stay eligible
            foreach (var shipped in upload.Uploaded)
            {
                log.WriteLine($"worker: uploaded {shipped.Key} to {shipped.Prefix}");
            }
        }

        // 4. Laptop, after the run: merge into the warm cache (also: stagecraft refs merge --run demo-run --kind schema ...).
        var report = await new PostRunMerger(storage).MergeAsync(run.RunId, Kind, laptopRoot);
        foreach (var merged in report.MergedKeys)
        {
            log.WriteLine($"laptop: merged {merged.Key} ({merged.FileCount} files from {string.Join(", ", merged.Shards)})");
        }

        foreach (var skipped in report.SkippedKeys)
        {
            log.WriteLine($"laptop: SKIPPED {skipped.Key}: {skipped.Reason}");
        }

        // The next run on the laptop reuses all three without building.
        foreach (var database in new[] { "alien", "households", "retail" })
        {
            await laptop.EnsureAsync(database, Fingerprint(database), (_, _) => throw new InvalidOperationException($"{database} should have been reused"));
        }

        log.WriteLine("laptop: all three references reused, none rebuilt");
        return report;
    }

    /// <summary>What the reference depends on (schema version, encoder, prompt...), hashed.</summary>
    private static string Fingerprint(string database) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"encoder-v3|{database}")))[..16];

    /// <summary>Stands in for the expensive build (e.g. an LLM encoding a database schema).</summary>
    private static async Task EncodeAsync(string database, DirectoryInfo directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(directory.FullName, "tables"));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "schema.json"), $$"""{"database":"{{database}}"}""", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "tables", "summary.txt"), $"encoded {database}", cancellationToken);
    }
}
