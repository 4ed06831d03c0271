using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Registry;

namespace Stagecraft.Cli.Commands.Aliases;

/// <summary>What the alias and model commands share: the registry root option, opening the registry, and alias names.</summary>
internal static class RegistryArguments
{
    public static Option<string> RegistryRoot() => new("--registry-root")
    {
        Description = $"The registry's key prefix in storage (default {RegistryPaths.DefaultRoot}).",
        DefaultValueFactory = _ => RegistryPaths.DefaultRoot,
    };

    public static ModelRegistry OpenRegistry(CliContext context, Option<string> root)
    {
        var text = context.Value(root);
        return new ModelRegistry(context.Storage, CliInput.Check("--registry-root", text, () => new ModelRegistryOptions { Root = new RegistryPaths(text).Root }));
    }

    public static string Alias(string text) => CliInput.Check("alias", text, () => AliasName.Validate(text));
}
