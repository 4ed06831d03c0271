using Stagecraft.Storage;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>The storage pipeline tests run against.</summary>
internal static class TestStorage
{
    public static IObjectStorage Create(string root)
    {
        _ = root;
        return new InMemoryObjectStorage();
    }
}
