using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;

namespace Stagecraft.Cli.Commands.Objects;

/// <summary><c>stagecraft objects stat KEY</c>: an object's size, generation, time, hashes and metadata.</summary>
internal static class ObjectsStatCommand
{
    public static CliCommandDefinition Define()
    {
        var key = ObjectArguments.Key();
        var command = new Command("stat", "The object's size, generation, update time, content type, hashes and user metadata.") { key };
        return new CliCommandDefinition(command, async context =>
        {
            var name = ObjectArguments.ValidKey(context.Value(key));
            var info = await context.Storage.StatAsync(name, context.CancellationToken).ConfigureAwait(false)
                ?? throw CliException.NotFound($"object '{name}' does not exist in {context.StorageLocation}");
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(info).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var table = new CliTable("FIELD", "VALUE")
                .Add("key", info.Key)
                .Add("size", CliFormat.Number(info.Size))
                .Add("generation", CliFormat.Number(info.Generation))
                .Add("updated", CliFormat.Time(info.Updated))
                .Add("content type", info.ContentType)
                .Add("md5", info.Md5)
                .Add("crc32c", info.Crc32c);
            foreach (var (field, value) in info.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                table.Add($"metadata {field}", value);
            }

            await context.Console.WriteTableAsync(table).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
