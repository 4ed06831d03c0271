using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Pipelines;
using Stagecraft.Runs;
using Stagecraft.Storage;

namespace Stagecraft.Cli.Commands.Objects;

/// <summary>The <c>KEY</c> argument of the <c>objects</c> commands (read through <see cref="IObjectStorage"/>: content as written, never a local store's on-disk framing).</summary>
internal static class ObjectArguments
{
    /// <summary>A run whose keys help texts show, built like every run key.</summary>
    public static RunPaths ExampleRun { get; } = new("train-20260131-1200-0f3a");

    public static Argument<string> Key() => new("KEY") { Description = $"The object key (e.g. {PipelinePaths.PipelineRecord(ExampleRun.RunId)})." };

    public static string ValidKey(string text) => CliInput.Check("object key", text, () => ObjectKey.Validate(text));
}
