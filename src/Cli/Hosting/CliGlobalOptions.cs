using System.CommandLine;

namespace Stagecraft.Cli.Hosting;

/// <summary>Options every command accepts (declared once on the root, recursive).</summary>
internal static class CliGlobalOptions
{
    public const string StorageName = "--storage";

    public const string JsonName = "--json";

    public static void AddTo(RootCommand root)
    {
        root.Add(new Option<string>(StorageName)
        {
            Description = $"The object storage: gs://bucket[/prefix], file:///path or a directory (default: ${StorageLocation.EnvironmentVariable}).",
            Recursive = true,
        });
        root.Add(new Option<bool>(JsonName) { Description = "Print JSON for scripts instead of tables.", Recursive = true });
    }
}
