using System.CommandLine;
using System.Text;
using Stagecraft.Cli.Hosting;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Objects;

/// <summary><c>stagecraft objects cat KEY</c>: the object's bytes exactly as they were written (so <c>| jq</c> works).</summary>
internal static class ObjectsCatCommand
{
    public static CliCommandDefinition Define()
    {
        var key = ObjectArguments.Key();
        var command = new Command("cat", "Write the object's content, byte for byte, to stdout (--json: its info plus the content as text or base64).") { key };
        return new CliCommandDefinition(command, async context =>
        {
            var name = ObjectArguments.ValidKey(context.Value(key));
            var read = await context.Storage.GetAsync(name, cancellationToken: context.CancellationToken).ConfigureAwait(false);
            await using (read.ConfigureAwait(false))
            {
                if (context.Console.Json)
                {
                    using var buffer = new MemoryStream();
                    await read.Content.CopyToAsync(buffer, context.CancellationToken).ConfigureAwait(false);
                    var bytes = buffer.ToArray();
                    var text = TryUtf8(bytes);
                    await context.Console.WriteJsonAsync(new
                    {
                        read.Info.Key,
                        read.Info.Generation,
                        read.Info.Size,
                        read.Info.ContentType,
                        Text = text,
                        Base64 = text is null ? Convert.ToBase64String(bytes) : null,
                    }).ConfigureAwait(false);
                    return CliExitCodes.Success;
                }

                var output = await context.Console.OpenRawOutputAsync().ConfigureAwait(false);
                await read.Content.CopyToAsync(output, context.CancellationToken).ConfigureAwait(false);
                await output.FlushAsync(context.CancellationToken).ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
    }

    private static string? TryUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
