using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.References;

namespace Stagecraft.Cli.Commands.Refs;

/// <summary><c>stagecraft refs show ROOT</c>: the keys of a local reference root, with their markers and sizes.</summary>
internal static class RefsShowCommand
{
    public static CliCommandDefinition Define()
    {
        var root = new Argument<DirectoryInfo>("ROOT") { Description = "The local reference root." };
        var command = new Command("show", "The keys of a local reference root: fingerprint and time of each marker (none = incomplete), files and bytes.") { root };
        return new CliCommandDefinition(command, async context =>
        {
            var directory = context.Value(root);
            if (!directory.Exists)
            {
                throw CliException.NotFound($"reference root '{directory.FullName}' does not exist");
            }

            var store = new ReferenceStore(directory.FullName);
            var keys = store.EnumerateKeys().Select(key => Describe(store, directory.FullName, key)).ToList();
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(keys).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("KEY", "FINGERPRINT", "MARKER TIME", "FILES", "BYTES");
            foreach (var key in keys)
            {
                table.Add(key.Key, key.Fingerprint ?? "(no marker: incomplete)", key.MarkerTime is { } t ? CliFormat.Time(new DateTimeOffset(t)) : "-", CliFormat.Number(key.Files), CliFormat.Number(key.Bytes));
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }

    private static ReferenceKeySummary Describe(ReferenceStore store, string root, string key)
    {
        var marker = store.GetMarker(key);
        var files = new DirectoryInfo(Path.Combine(root, key)).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => f.Name != ReferenceFileNames.Marker)
            .ToList();
        return new ReferenceKeySummary(key, marker?.Fingerprint, marker?.LastWriteTimeUtc, files.Count, files.Sum(f => f.Length));
    }

    private sealed record ReferenceKeySummary(string Key, string? Fingerprint, DateTime? MarkerTime, int Files, long Bytes);
}
