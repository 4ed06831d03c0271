using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Gcp.Compute;
using Stagecraft.Sdk.Gcp.Tests.Storage;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

/// <summary>The runner's fallback: without the build target's output, the experiment is published on demand.</summary>
public sealed class AppBundleBuilderTests : IAsyncLifetime
{
    private const string EntryPoint = "Stagecraft.CloudExperiment";

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly TempDirectory _temp = new("bundle-build");
    private GcsTestBed _gcs = null!;

    public async Task InitializeAsync() => _gcs = await GcsTestBed.StartAsync();

    public async Task DisposeAsync()
    {
        await _gcs.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Without_a_build_output_the_project_is_published_self_contained_on_demand_and_uploaded_once()
    {
        var options = new AppBundleOptions
        {
            ProjectFile = RepositoryLayout.Combine("tests", "Stagecraft.CloudExperiment", "Stagecraft.CloudExperiment.csproj"),
            EntryPoint = EntryPoint,
            Configuration = Configuration,
            WorkDirectory = _temp.Combine("bundles"),
        };

        var bundle = await AppBundleBuilder.BuildAndUploadAsync(_gcs.Storage, options);
        var commits = _gcs.Server.Commits.Count;
        var again = await AppBundleBuilder.BuildAndUploadAsync(_gcs.Storage, options);

        Assert.Equal(EntryPoint, bundle.EntryPoint);
        Assert.Equal(AppBundle.ForDigest(bundle.Sha256).Key, bundle.Key);
        Assert.NotNull(_gcs.Server.GetObject(GcsTestBed.Bucket, bundle.Key));

        // Publishing again without a change packs the same bytes, and nothing more is stored.
        Assert.Equal(bundle.Sha256, again.Sha256);
        Assert.Equal(commits, _gcs.Server.Commits.Count);

        // The published program starts with an empty environment: it carries its runtime.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-i");
        info.ArgumentList.Add(Path.Combine(options.WorkDirectory, "publish", EntryPoint, EntryPoint));
        info.ArgumentList.Add("--bundle-check");
        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("bundle runs on .NET", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_publish_output_without_the_entry_point_is_refused_naming_both()
    {
        var directory = _temp.Combine("not-a-publish");
        _temp.WriteFile("not-a-publish/readme.txt", "no program here");

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundleBuilder.BuildAndUploadAsync(
            _gcs.Storage,
            new AppBundleOptions { PublishDirectory = directory, EntryPoint = "MyExperiment", WorkDirectory = _temp.Combine("bundles"), LoggerFactory = NullLoggerFactory.Instance }));

        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("'MyExperiment'", error.Message, StringComparison.Ordinal);
        Assert.Empty(_gcs.Server.GetObjects(GcsTestBed.Bucket));
    }

    [Fact]
    public async Task A_missing_publish_directory_is_refused_naming_it()
    {
        var missing = _temp.Combine("missing");

        var error = await Assert.ThrowsAsync<AppBundleException>(() => AppBundleBuilder.BuildAndUploadAsync(
            _gcs.Storage,
            new AppBundleOptions { PublishDirectory = missing, EntryPoint = "MyExperiment", WorkDirectory = _temp.Combine("bundles") }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
