using System.Diagnostics;
using Stagecraft.CloudExperiment;
using Stagecraft.Gcp.Bundles;
using Stagecraft.Testing;

namespace Stagecraft.Sdk.Gcp.Tests.EndToEnd;

/// <summary>
/// The test-asset experiment (<see cref="CloudDemo"/>) as a packed bundle, made once per test class: its self-contained
/// linux-x64 publish output is what the <c>StagecraftCloudBundle</c> build target left beside the asset's build (built
/// with this test project), packed by <see cref="AppBundlePacker"/>.
/// </summary>
public sealed class CloudExperimentBundle : IAsyncLifetime
{
    /// <summary>The asset's apphost: the bundle's entry point.</summary>
    public const string EntryPoint = "Stagecraft.CloudExperiment";

    /// <summary>The configuration this test project (and with it the asset) was built in.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private readonly TempDirectory _temp = new("cloud-bundle");

    /// <summary>The asset's project file.</summary>
    public static string ProjectFile { get; } = RepositoryLayout.Combine("tests", "Stagecraft.CloudExperiment", "Stagecraft.CloudExperiment.csproj");

    /// <summary>The asset's build output (where its program runs as a coordinator on "the laptop").</summary>
    public static string BuildDirectory { get; } = RepositoryLayout.Combine("tests", "Stagecraft.CloudExperiment", "bin", Configuration, "net10.0");

    /// <summary>The asset's publish output (from the build target).</summary>
    public string PublishDirectory { get; } = Path.Combine(BuildDirectory, AppBundleBuilder.BuildOutputFolder, AppBundleBuilder.RuntimeIdentifier);

    /// <summary>The packed archive.</summary>
    public string Archive => _temp.Combine("bundle.tar.gz");

    public string Sha256 { get; private set; } = string.Empty;

    public long Size { get; private set; }

    public TimeSpan PackTime { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(PublishDirectory, EntryPoint)))
        {
            throw new InvalidOperationException($"The test asset's bundle output '{PublishDirectory}' is missing: build tests/Stagecraft.CloudExperiment (its StagecraftCloudBundle target publishes it).");
        }

        var started = Stopwatch.GetTimestamp();
        Sha256 = await AppBundlePacker.PackToFileAsync(PublishDirectory, Archive);
        PackTime = Stopwatch.GetElapsedTime(started);
        Size = new FileInfo(Archive).Length;
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
