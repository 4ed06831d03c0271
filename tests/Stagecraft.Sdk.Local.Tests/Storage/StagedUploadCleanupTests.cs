using Stagecraft.Local.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.Storage;

/// <summary>Staged uploads of killed writers are removed as soon as their owner is provably gone; a live writer's never are.</summary>
public sealed class StagedUploadCleanupTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Opening_a_store_removes_the_staged_upload_of_a_writer_killed_mid_put_without_waiting_a_day()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the proof is the kernel releasing the dead writer's flock
        }

        using var temp = new TempDirectory("staged-cleanup");
        _ = new LocalObjectStorage(temp.Path);
        // The writer rewrites the object in a loop; a kill that lands between one commit and the next staged file
        // leaves nothing to clean, so try again until a kill lands mid-put.
        for (var attempt = 0; attempt < 5 && !Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")).Any(); attempt++)
        {
            using var child = TestChildProcess.Start("storage-put-loop", temp.Path, "big/object", (16 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), "1");
            await child.WaitForLineAsync(line => line.StartsWith("progress 1 ", StringComparison.Ordinal), Generous);
            child.Kill();
            await child.WaitForExitAsync(Generous);
        }

        var leftover = Assert.Single(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow.AddMinutes(-2)); // a couple of minutes later

        _ = new LocalObjectStorage(temp.Path); // default: a day for uploads whose owner cannot be proven gone

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
    }

    [Fact]
    public async Task Opening_a_store_keeps_the_staged_upload_of_a_live_writer()
    {
        using var temp = new TempDirectory("staged-cleanup");
        var storage = new LocalObjectStorage(temp.Path);
        var content = new GatedStream();
        var put = storage.PutAsync("k", content);
        await content.Started.Task.WaitAsync(Generous);

        var staged = Assert.Single(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
        File.SetLastWriteTimeUtc(staged, DateTime.UtcNow.AddMinutes(-2)); // a writer waiting on its source for minutes
        _ = new LocalObjectStorage(temp.Path);

        Assert.Single(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
        content.Release.SetResult();
        var written = await put.WaitAsync(Generous);
        Assert.Equal(2, written.Size);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(temp.Path, "staging")));
    }

    /// <summary>Hands out one byte, then waits for <see cref="Release"/> before the second and the end.</summary>
    private sealed class GatedStream : ForwardOnlyStream
    {
        private int _reads;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            switch (_reads++)
            {
                case 0:
                    buffer.Span[0] = 1;
                    return 1;
                case 1:
                    Started.SetResult();
                    await Release.Task.WaitAsync(cancellationToken);
                    buffer.Span[0] = 2;
                    return 1;
                default:
                    return 0;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
