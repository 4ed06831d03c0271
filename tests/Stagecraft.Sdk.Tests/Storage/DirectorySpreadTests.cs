using Stagecraft.Storage.Transfers;

namespace Stagecraft.Sdk.Tests.Storage;

public class DirectorySpreadTests
{
    [Fact]
    public void Files_in_path_order_come_out_round_robin_over_their_directories_with_nothing_lost()
    {
        string[] paths = ["a/1", "a/2", "a/3", "b/1", "c/1", "c/2", "top"];

        var ordered = DirectorySpread.RoundRobin(paths, p => p.Contains('/', StringComparison.Ordinal) ? p[..p.IndexOf('/', StringComparison.Ordinal)] : "");

        Assert.Equal(["a/1", "b/1", "c/1", "top", "a/2", "c/2", "a/3"], ordered);
    }

    [Fact]
    public void No_files_give_an_empty_order()
    {
        Assert.Empty(DirectorySpread.RoundRobin(Array.Empty<string>(), p => p));
    }
}
