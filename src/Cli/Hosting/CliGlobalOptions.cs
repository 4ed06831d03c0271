using System.CommandLine;

namespace Stagecraft.Cli.Hosting;

/// <summary>The common options (see <see cref="CliCommonOptions"/>), declared once; each command gets its own instances.</summary>
internal static class CliGlobalOptions
{
    public const string StorageName = "--storage";

    public const string JsonName = "--json";

    public static Option<string> Storage() => new(StorageName)
    {
        Description = $"The object storage: gs://bucket[/prefix], file:///path or a directory (default: ${StorageLocation.EnvironmentVariable}).",
    };

    public static Option<bool> Json() => new(JsonName) { Description = "Print JSON for scripts instead of tables." };
}
