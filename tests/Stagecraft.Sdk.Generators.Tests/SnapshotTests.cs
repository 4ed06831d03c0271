using Stagecraft.Sdk.Generators.Tests.Support;

namespace Stagecraft.Sdk.Generators.Tests;

/// <summary>The generated text for representative pipelines, approved in Snapshots/*.verified.cs.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Forecast() => Snapshot.Verify(GeneratedSource(SamplePipelines.Forecast), "Forecast");

    [Fact]
    public void Variety() => Snapshot.Verify(GeneratedSource(SamplePipelines.Variety), "Variety");

    [Fact]
    public void GlobalNamespace() => Snapshot.Verify(GeneratedSource(SamplePipelines.GlobalNamespace), "GlobalNamespace");

    private static string GeneratedSource(string source)
    {
        var outcome = GeneratorHarness.Run(source);
        Assert.Empty(outcome.Diagnostics);
        return Assert.Single(outcome.Sources).Value;
    }
}
