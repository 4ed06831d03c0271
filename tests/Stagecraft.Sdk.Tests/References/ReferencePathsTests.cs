using Stagecraft.References;

namespace Stagecraft.Sdk.Tests.References;

public class ReferencePathsTests
{
    [Fact]
    public void Reference_keys_live_under_their_run()
    {
        var paths = new ReferencePaths("exp-7");
        Assert.Equal("runs/exp-7/merge_report.json", paths.MergeReport);
        Assert.Equal("runs/exp-7/reference_seed/otf/", paths.ReferenceSeed("otf"));
        Assert.Equal("runs/exp-7/post_run/", paths.PostRunPrefix);
        Assert.Equal("runs/exp-7/post_run/otf/host-1/", paths.PostRunShard("otf", "host-1"));
        Assert.Equal("runs/exp-7/post_run/otf/host-1/db/", paths.PostRun("otf", "host-1", "db"));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("..")]
    public void Kind_shard_and_key_must_be_single_segments(string segment)
    {
        var paths = new ReferencePaths("r");
        var ex = Assert.Throws<ArgumentException>(() => paths.ReferenceSeed(segment));
        Assert.Equal("kind", ex.ParamName);
        Assert.Equal("shard", Assert.Throws<ArgumentException>(() => paths.PostRunShard("refs", segment)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => paths.PostRun("refs", "h-1", segment)).ParamName);
    }

    [Fact]
    public void An_invalid_run_id_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new ReferencePaths("Not a run id"));
}
