using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Sdk.Gcp.Tests.EndToEnd;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

/// <summary>The runner's fallback: without the build target's output, the experiment is published on demand.</summary>
public sealed class AppBundleBuilderTests : BundleStorageTestBase
{
    private const string EntryPoint = CloudExperimentBundle.EntryPoint;

    [Fact]
    public async Task Without_a_build_output_the_project_is_published_self_contained_on_demand_and_uploaded_once()
    {
        var options = new AppBundleOptions
        {
            ProjectFile = CloudExperimentBundle.ProjectFile,
            EntryPoint = EntryPoint,
            Configuration = CloudExperimentBundle.Configuration,
            WorkDirectory = Temp.Combine("bundles"),
        };

        var bundle = await AppBundleBuilder.BuildAndUploadAsync(Gcs.Storage, options);
        var commits = Gcs.Server.Commits.Count;
        var again = await AppBundleBuilder.BuildAndUploadAsync(Gcs.Storage, options);

        Assert.Equal(EntryPoint, bundle.EntryPoint);
        Assert.Equal(AppBundle.ForDigest(bundle.Sha256).Key, bundle.Key);
        Assert.NotNull(Gcs.Server.GetObject(GcsTestBed.Bucket, bundle.Key));

        // Publishing again without a change packs the same bytes, and nothing more is stored.
        Assert.Equal(bundle.Sha256, again.Sha256);
        Assert.Equal(commits, Gcs.Server.Commits.Count);

        // The published program starts with an empty environment: it carries its runtime.
        var check = await ProgramRun.WithEmptyEnvironmentAsync(Path.Combine(options.WorkDirectory, "publish", EntryPoint, EntryPoint), "--bundle-check");
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("bundle runs on .NET", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_publish_output_without_the_entry_point_is_refused_naming_both()
    {
        var directory = Temp.Combine("not-a-publish");
        Temp.WriteFile("not-a-publish/readme.txt", "no program here");

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundleBuilder.BuildAndUploadAsync(
            Gcs.Storage,
            new AppBundleOptions { PublishDirectory = directory, EntryPoint = "MyExperiment", WorkDirectory = Temp.Combine("bundles"), LoggerFactory = NullLoggerFactory.Instance }));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("'MyExperiment'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Gcs.Server.GetObjects(GcsTestBed.Bucket));
    }

    [Fact]
    public async Task A_missing_publish_directory_is_refused_naming_it()
    {
        var missing = Temp.Combine("missing");

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundleBuilder.BuildAndUploadAsync(
            Gcs.Storage,
            new AppBundleOptions { PublishDirectory = missing, EntryPoint = "MyExperiment", WorkDirectory = Temp.Combine("bundles") }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
