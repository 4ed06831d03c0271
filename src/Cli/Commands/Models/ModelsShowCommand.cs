using System.CommandLine;
using Stagecraft.Cli.Commands.Aliases;
using Stagecraft.Cli.Hosting;
using Stagecraft.Cli.Output;

namespace Stagecraft.Cli.Commands.Models;

/// <summary><c>stagecraft models show RUN</c>: the model a run registered (artefact, hash, metrics, tags).</summary>
internal static class ModelsShowCommand
{
    public static CliCommandDefinition Define()
    {
        var run = new Argument<string>("RUN") { Description = "The run id the model was registered under." };
        var root = RegistryArguments.RegistryRoot();
        var command = new Command("show", "The model registered by RUN: stage, artefact URI, SHA-256, size, metrics, tags, when and by whom.") { run, root };
        return new CliCommandDefinition(command, async context =>
        {
            var runId = CliInput.RunId(context.Value(run));
            var registry = RegistryArguments.OpenRegistry(context, root);
            var model = await registry.TryGetModelAsync(runId, context.CancellationToken).ConfigureAwait(false)
                ?? throw CliException.NotFound($"run '{runId}' has no registered model ({registry.Paths.Model(runId)} does not exist in {context.StorageLocation})");
            if (context.Console.Json)
            {
                await context.Console.WriteJsonAsync(new
                {
                    model.RunId,
                    model.Stage,
                    ArtifactUri = model.ArtifactUri.ToString(),
                    model.ArtifactSha256,
                    model.ArtifactSize,
                    model.Metrics,
                    model.Tags,
                    model.RegisteredAt,
                    model.RegisteredBy,
                    model.Generation,
                }).ConfigureAwait(false);
                return CliExitCodes.Success;
            }

            var tree = new CliTree($"model of run {model.RunId} (stage {model.Stage})");
            tree.Add($"artefact {model.ArtifactUri}");
            tree.Add($"sha256 {model.ArtifactSha256}, {CliFormat.Number(model.ArtifactSize)} bytes");
            tree.Add($"registered {CliFormat.Time(model.RegisteredAt)} by {model.RegisteredBy}, generation {CliFormat.Number(model.Generation)}");
            var metrics = tree.Add("metrics");
            foreach (var (name, value) in model.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                metrics.Add($"{name} = {CliFormat.Number(value)}");
            }

            if (model.Tags.Count > 0)
            {
                var tags = tree.Add("tags");
                foreach (var (name, value) in model.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    tags.Add($"{name} = {value}");
                }
            }

            await context.Console.WriteTreeAsync(tree).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
    }
}
