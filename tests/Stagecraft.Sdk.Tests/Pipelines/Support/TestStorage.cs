using Stagecraft.Local.Storage;
using Stagecraft.Storage;
using Stagecraft.Testing.Contracts;

namespace Stagecraft.Sdk.Tests.Pipelines.Support;

/// <summary>The storage pipeline tests run against: <see cref="LocalObjectStorage"/> in a temp directory.</summary>
internal static class TestStorage
{
    public static IObjectStorage Create(string root) => new LocalObjectStorage(root);
}

/// <summary>Local storage that runs a hook before every put (to observe or fail a write).</summary>
internal sealed class InterceptingStorage(IObjectStorage inner, Action<string> beforePut) : ObjectStorageDecorator(inner)
{
    public override Task<ObjectInfo> PutAsync(string key, Stream content, PutObjectOptions? options = null, CancellationToken cancellationToken = default)
    {
        beforePut(key);
        return base.PutAsync(key, content, options, cancellationToken);
    }
}
