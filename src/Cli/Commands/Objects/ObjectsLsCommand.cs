using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Objects;

/// <summary><c>stagecraft objects ls [PREFIX] [-r]</c>: objects and folders under a prefix.</summary>
internal static class ObjectsLsCommand
{
    public static CliCommandDefinition Define()
    {
        var prefix = new Argument<string>("PREFIX") { Description = $"The key prefix (e.g. {RunPaths.RootPrefix} or {ObjectArguments.ExampleRun.Root}); empty lists the top level.", DefaultValueFactory = _ => string.Empty };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "List every object under PREFIX instead of folding folders at '/'." };
        var command = new Command("ls", "List objects (key, size, generation, updated) and folders under PREFIX.") { prefix, recursive };
        return new CliCommandDefinition(command, async context =>
        {
            var text = context.Value(prefix);
            CliInput.Check("prefix", text, () => ObjectKey.ValidatePrefix(text));
            var options = context.Value(recursive) ? null : new ListObjectsOptions { Delimiter = "/" };
            var entries = new List<ObjectListEntry>();
            await foreach (var entry in context.Storage.ListAsync(text, options, context.CancellationToken).ConfigureAwait(false))
            {
                entries.Add(entry);
            }

            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(entries.Select(e => e.Prefix is { } p
                    ? new ListedEntry(p, true, null, null, null)
                    : new ListedEntry(e.Object!.Key, false, e.Object.Size, e.Object.Generation, e.Object.Updated))).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("KEY", "SIZE", "GENERATION", "UPDATED");
            foreach (var entry in entries)
            {
                if (entry.Prefix is { } folder)
                {
                    table.Add(folder, "-", "-", "-");
                }
                else
                {
                    var info = entry.Object!;
                    table.Add(info.Key, CliFormat.Number(info.Size), CliFormat.Number(info.Generation), CliFormat.Time(info.Updated));
                }
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }

    private sealed record ListedEntry(string Key, bool IsFolder, long? Size, long? Generation, DateTimeOffset? Updated);
}
