using Stagecraft.Gcp.Compute;

namespace Stagecraft.Sdk.Gcp.Tests.Bundles;

public sealed class AppBundleEntryPointTests
{
    private static readonly string Digest = new('a', 64);

    [Theory]
    [InlineData("MyExperiment")]
    [InlineData("bin/MyExperiment")]
    public void An_entry_point_inside_the_bundle_is_kept(string entryPoint)
    {
        Assert.Equal(entryPoint, (AppBundle.ForDigest(Digest) with { EntryPoint = entryPoint }).EntryPoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/usr/bin/MyExperiment")]
    [InlineData("../MyExperiment")]
    [InlineData("bin//MyExperiment")]
    [InlineData("./MyExperiment")]
    public void An_entry_point_that_could_leave_the_bundle_is_refused_naming_it(string entryPoint)
    {
        var error = Assert.Throws<ArgumentException>(() => AppBundle.ForDigest(Digest) with { EntryPoint = entryPoint });

        Assert.Contains($"'{entryPoint}'", error.Message, StringComparison.Ordinal);
    }
}
