using Stagecraft.Testing;

namespace Stagecraft.Sdk.Local.Tests.References;

/// <summary>Keeps the README's round trip (samples/ReferenceRoundTrip) working: build locally → upload-back from a worker → merge.</summary>
public class ReferenceRoundTripSampleTests
{
    [Fact]
    public async Task The_readme_round_trip_merges_what_the_worker_built_and_the_laptop_then_reuses_everything()
    {
        using var workspace = new TempDirectory("refsample");
        using var log = new StringWriter();

        var report = await ReferenceRoundTrip.RoundTrip.RunAsync(workspace.Path, log);

        Assert.Equal(["alien", "retail"], report.MergedKeys.Select(m => m.Key));
        Assert.Empty(report.SkippedKeys);
        Assert.Contains("laptop: all three references reused, none rebuilt", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("uploaded households", log.ToString(), StringComparison.Ordinal); // it came from the seed
    }
}
