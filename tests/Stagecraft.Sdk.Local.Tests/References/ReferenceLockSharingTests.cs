using Stagecraft.Locking;
using Stagecraft.References;
using Stagecraft.TestChild;
using Stagecraft.Testing;
using static Stagecraft.Sdk.Local.Tests.References.ReferenceBed;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>
/// Rule 4: one lock file, <c>&lt;root&gt;/&lt;key&gt;.build.lock</c>, serialises build, optional seed merge, upload-back
/// and post-run merge of a key. While a real process holds it, each of them waits (a cancelled wait leaves the key
/// untouched), and each completes once the holder dies.
/// </summary>
public class ReferenceLockSharingTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(180);

    public static TheoryData<string> Operations => ["build", "seed", "upload", "merge"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Rule4_every_writer_of_a_key_waits_for_the_same_build_lock_file(string operation)
    {
        using var bed = new ReferenceBed();
        var root = operation is "seed" or "upload" ? bed.Worker : bed.Laptop;
        await PrepareAsync(bed, operation);
        var before = Directory.Exists(Path.Combine(root, "db")) ? Snapshot(Path.Combine(root, "db")) : null;
        using var holder = TestChildProcess.Start("lock-hold", Path.Combine(root, "db" + ReferenceFileNames.LockFileSuffix));
        await holder.WaitForLineAsync(l => l == "held", Generous);

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var waited = await RunAsync(bed, operation, cts.Token);
            Assert.True(waited, $"{operation} did not wait for the key's build lock");
        }

        Assert.Equal(before, Directory.Exists(Path.Combine(root, "db")) ? Snapshot(Path.Combine(root, "db")) : null);
        Assert.Null(await bed.Storage.StatAsync(bed.Paths.PostRun(Kind, "w-1", "db") + ReferenceFileNames.UploadComplete));

        holder.Kill();
        await holder.WaitForExitAsync(Generous);
        Assert.False(await RunAsync(bed, operation, CancellationToken.None));
    }

    private static async Task PrepareAsync(ReferenceBed bed, string operation)
    {
        switch (operation)
        {
            case "seed":
                await BuildAsync(bed.Dir.Combine("seed-src"), "db", "seed", T(5));
                await Stagecraft.Storage.Transfers.ObjectStorageTransferExtensions.UploadDirectoryAsync(bed.Storage, bed.Dir.Combine("seed-src", "db"), bed.Paths.ReferenceSeed(Kind) + "db/");
                break;
            case "upload":
                await BuildAsync(bed.Worker, "db", "worker-built", T(5));
                break;
            case "merge":
                await BuildAsync(bed.Laptop, "db", "local", T(1));
                await bed.PutTreeSliceAsync("h-1", "db", "cloud", T(5));
                break;
        }
    }

    /// <summary>Runs the operation; true when it was cancelled while waiting (it never got the lock).</summary>
    private static async Task<bool> RunAsync(ReferenceBed bed, string operation, CancellationToken cancellationToken)
    {
        try
        {
            switch (operation)
            {
                case "build":
                    await new ReferenceStore(bed.Laptop, FastStore).EnsureAsync("db", "fp", (d, ct) => ReferenceTreeContent.WriteAsync(d.FullName, "fp", ct), cancellationToken: cancellationToken);
                    await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Laptop, "db"), "fp");
                    break;
                case "seed":
                    await new ReferenceSeeding(bed.Storage, new ReferenceSeedingOptions { Durability = Stagecraft.IO.Durability.None })
                        .MergeOptionalSeedAsync(bed.Paths.ReferenceSeed(Kind), bed.Worker, cancellationToken);
                    await ReferenceTreeContent.AssertTreeAsync(Path.Combine(bed.Worker, "db"), "seed");
                    break;
                case "upload":
                    var uploader = new ReferenceUploader(bed.Storage, bed.Worker, RunId, Kind, ReferenceSeedSnapshot.Empty, new ReferenceUploaderOptions { Shard = "w-1" });
                    var result = await uploader.UploadChangedAsync(cancellationToken);
                    Assert.Equal(["db"], result.Uploaded.Select(u => u.Key));
                    break;
                default:
                    var report = await bed.Merger().MergeAsync(RunId, Kind, bed.Laptop, cancellationToken);
                    Assert.Equal(["db"], report.MergedKeys.Select(m => m.Key));
                    break;
            }

            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
