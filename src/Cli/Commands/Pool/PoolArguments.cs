using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.WarmPool;

namespace Stagecraft.Cli.Commands.Pool;

/// <summary>What the <c>pool</c> commands share: the pool's root in storage and opening the pool there.</summary>
internal static class PoolArguments
{
    public static Option<string> PoolRoot() => new("--pool-root")
    {
        Description = $"The warm pool's key prefix in storage (default {WarmPoolPaths.DefaultRoot}).",
        DefaultValueFactory = _ => WarmPoolPaths.DefaultRoot,
    };

    /// <summary>The pool under the given root. Operations need no profile options: they act on the documents that exist.</summary>
    public static WarmPool.WarmPool OpenPool(CliContext context, Option<string> root)
    {
        var text = context.Value(root);
        var options = CliInput.Check("--pool-root", text, () => new WarmPoolOptions { Root = new WarmPoolPaths(text).Root });
        return new WarmPool.WarmPool(context.Storage, options);
    }

    /// <summary>Every instance of the pool, or of one profile, by profile then launch time.</summary>
    public static async Task<List<WarmInstance>> ListAsync(CliContext context, WarmPool.WarmPool pool, string? profile)
    {
        var instances = new List<WarmInstance>();
        await foreach (var instance in pool.ListAsync(profile, context.CancellationToken).ConfigureAwait(false))
        {
            instances.Add(instance);
        }

        instances.Sort((a, b) => string.CompareOrdinal(a.Profile, b.Profile) is var byProfile and not 0 ? byProfile : a.LaunchedAt.CompareTo(b.LaunchedAt));
        return instances;
    }
}
