using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Stagecraft.TestChild;

/// <summary>Registry of child-process commands used by crash and race tests.</summary>
public static class ChildCommands
{
    private static readonly ConcurrentDictionary<string, Func<string[], Task<int>>> Commands = new(StringComparer.Ordinal);

    public static IEnumerable<string> Names => Commands.Keys.Order(StringComparer.Ordinal);

    public static void Register(string name, Func<string[], Task<int>> command)
    {
        if (!Commands.TryAdd(name, command))
        {
            throw new InvalidOperationException($"Child command '{name}' is registered twice.");
        }
    }

    public static bool TryGet(string name, [NotNullWhen(true)] out Func<string[], Task<int>>? command) =>
        Commands.TryGetValue(name, out command);
}
