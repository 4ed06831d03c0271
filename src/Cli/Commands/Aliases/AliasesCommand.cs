using System.CommandLine;
using Stagecraft.Cli.Hosting;
using Stagecraft.Registry;

namespace Stagecraft.Cli.Commands.Aliases;

/// <summary><c>stagecraft aliases ...</c>: model-registry aliases.</summary>
internal static class AliasesCommand
{
    public static Command Create(CliEnvironment environment) => new("aliases", "List, trace and move model-registry aliases.")
    {
        AliasesListCommand.Create(environment),
        AliasesHistoryCommand.Create(environment),
        AliasesSetCommand.Create(environment),
    };

    /// <summary>The registry root option shared by the alias and model commands.</summary>
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
