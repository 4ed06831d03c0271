using System.Security.Cryptography;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Sdk.Gcp.Tests.Storage;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

public sealed class AppBundleUploaderTests : BundleStorageTestBase
{
    [Fact]
    public async Task A_bundle_is_stored_under_its_content_key_once()
    {
        var (archive, sha256) = await PackAsync();

        Assert.True(await AppBundleUploader.UploadAsync(Gcs.Storage, archive, sha256));
        var commitsAfterFirst = Gcs.Server.Commits.Count;
        Assert.False(await AppBundleUploader.UploadAsync(Gcs.Storage, archive, sha256));

        var stored = Gcs.Server.GetObject(GcsTestBed.Bucket, AppBundle.ForDigest(sha256).Key);
        Assert.NotNull(stored);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(stored.Data)));
        Assert.Equal(commitsAfterFirst, Gcs.Server.Commits.Count);
    }

    [Fact]
    public async Task Coordinators_uploading_the_same_bundle_at_once_store_it_once_and_none_fails()
    {
        var (archive, sha256) = await PackAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => AppBundleUploader.UploadAsync(Gcs.Storage, archive, sha256))));

        Assert.True(results.Count(stored => stored) <= 1);
        Assert.NotNull(Gcs.Server.GetObject(GcsTestBed.Bucket, AppBundle.ForDigest(sha256).Key));
    }

    [Fact]
    public async Task An_archive_that_changed_after_packing_is_refused_before_anything_is_stored()
    {
        var (archive, sha256) = await PackAsync();
        await File.AppendAllTextAsync(archive, "tampered");

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundleUploader.UploadAsync(Gcs.Storage, archive, sha256));
        Assert.Contains(sha256, error.Message, StringComparison.Ordinal);
        Assert.Null(Gcs.Server.GetObject(GcsTestBed.Bucket, AppBundle.ForDigest(sha256).Key));
    }

    private async Task<(string Archive, string Sha256)> PackAsync()
    {
        Temp.WriteFile("app/Program", "#!/bin/sh\n");
        Temp.WriteFile("app/Program.dll", Convert.ToBase64String(RandomNumberGenerator.GetBytes(300_000)));
        var archive = Temp.Combine(Guid.NewGuid().ToString("N") + ".tar.gz");
        return (archive, await AppBundlePacker.PackToFileAsync(Temp.Combine("app"), archive));
    }
}
