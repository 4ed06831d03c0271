using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Objects;

/// <summary><c>stagecraft objects ...</c>: stored objects, read through <see cref="IObjectStorage"/> (content as written, never a local store's on-disk framing).</summary>
internal static class ObjectsCommand
{
    public static Command Create(CliEnvironment environment) => new("objects", "Read stored objects: content, listings and metadata.")
    {
        ObjectsCatCommand.Create(environment),
        ObjectsLsCommand.Create(environment),
        ObjectsStatCommand.Create(environment),
    };

    public static Argument<string> Key() => new("KEY") { Description = "The object key (e.g. runs/RUN/pipeline.json)." };

    public static string ValidKey(string text) => CliInput.Check("object key", text, () => ObjectKey.Validate(text));
}
