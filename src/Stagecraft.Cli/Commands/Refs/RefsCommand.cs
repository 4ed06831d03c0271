using System.CommandLine;

namespace Stagecraft.Cli.Commands.Refs;

/// <summary><c>stagecraft refs ...</c>: the reference store (warm cache of built artefacts).</summary>
internal static class RefsCommand
{
    public static Command Create()
    {
        var refs = new Command("refs", "Work with the reference store (the warm cache of built artefacts).");
        refs.Add(RefsMergeCommand.Create());
        return refs;
    }
}
